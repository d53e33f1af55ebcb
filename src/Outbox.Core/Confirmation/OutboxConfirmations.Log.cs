using Microsoft.Extensions.Logging;

namespace Outbox.Confirmation;

internal sealed partial class OutboxConfirmations
{
    // Event ids 1500-1599: confirmations recorded outside the relay's send.
    private static partial class Log
    {
        [LoggerMessage(1500, LogLevel.Debug, "Confirmations: {Completed} of {Confirmed} confirmed messages moved PUBLISH → COMPLETE")]
        public static partial void Confirmed(ILogger logger, int completed, int confirmed);
    }
}
