using Microsoft.Extensions.Logging;

namespace Outbox.Cleanup;

internal sealed partial class OutboxCleanupService
{
    // Event ids 1400-1499: clean-up (1200-1299 are the direct sends').
    private static partial class Log
    {
        [LoggerMessage(1400, LogLevel.Information, "Deleted {Count} {Status} outbox messages older than {Retention}")]
        public static partial void Deleted(ILogger logger, int count, OutboxStatus status, TimeSpan retention);

        [LoggerMessage(1401, LogLevel.Warning, "Outbox clean-up failed; it runs again at the next interval")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
