using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Outbox.EntityFrameworkCore.Inbox;

internal sealed partial class InboxCleanupService<TContext>
    where TContext : DbContext
{
    // Event ids 1450-1469: the inbox's clean-up (1400-1449 are the outbox's).
    private static partial class Log
    {
        [LoggerMessage(1450, LogLevel.Information, "Deleted {Count} inbox records older than {Retention}")]
        public static partial void Deleted(ILogger logger, int count, TimeSpan retention);

        [LoggerMessage(1451, LogLevel.Warning, "Inbox clean-up failed; it runs again at the next interval")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
