using Microsoft.Extensions.Logging;

namespace Outbox;

internal sealed partial class OutboxCleanupService
{
    // Event ids 1200-1299: clean-up.
    private static partial class Log
    {
        [LoggerMessage(1200, LogLevel.Information, "Deleted {Count} {Status} outbox messages older than {Retention}")]
        public static partial void Deleted(ILogger logger, int count, OutboxStatus status, TimeSpan retention);

        [LoggerMessage(1201, LogLevel.Warning, "Outbox clean-up failed; it runs again at the next interval")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
