using Microsoft.Extensions.Logging;

namespace Outbox.Relay;

internal sealed partial class RelayWorker
{
    // Event ids 1000-1099: the relay (the send outcomes' are in SendOutcomes, the send step's in RelaySender).
    /// <summary>Logs a retry of the outcomes' recording (the pipeline's retry calls it).</summary>
    internal static void LogRecordRetry(ILogger logger, int attempt, Exception? exception) => Log.RecordRetry(logger, attempt, exception);

    private static partial class Log
    {
        [LoggerMessage(1000, LogLevel.Debug, "Outbox message {MessageId} INIT → PUBLISH (topic {Topic}, key {Key}, attempts so far {Attempts})")]
        public static partial void Claimed(ILogger logger, Guid messageId, string topic, string? key, int attempts);

        [LoggerMessage(1006, LogLevel.Warning, "{Count} outcomes were not recorded: relay {Relay} no longer holds those messages (its lease expired and another relay took them)")]
        public static partial void OutcomesRefused(ILogger logger, int count, string relay);

        [LoggerMessage(1012, LogLevel.Warning, "{Count} claimed messages were given back unsent: the claim took {Elapsed} of the {LeaseDuration} lease, too much to send safely before it ends")]
        public static partial void LeaseTooShortToSend(ILogger logger, int count, TimeSpan elapsed, TimeSpan leaseDuration);

        [LoggerMessage(1013, LogLevel.Error, "The database refused the {Status} outcome of outbox message {MessageId}; it is dropped and the message is claimed again when its lease ends")]
        public static partial void OutcomeUnrecordable(ILogger logger, Guid messageId, OutboxStatus status, Exception exception);

        [LoggerMessage(1014, LogLevel.Warning, "{Count} outcomes could not be recorded for twice the lease (the database is away); they are dropped and their messages sent again after their lease")]
        public static partial void OutcomesExpired(ILogger logger, int count, Exception exception);

        [LoggerMessage(1007, LogLevel.Warning, "Recording send outcomes failed; retry {Attempt}")]
        public static partial void RecordRetry(ILogger logger, int attempt, Exception? exception);

        [LoggerMessage(1008, LogLevel.Information, "Released {Count} claimed messages back to INIT because the relay is stopping")]
        public static partial void Released(ILogger logger, int count);

        [LoggerMessage(1009, LogLevel.Warning, "Could not release {Count} claimed messages while stopping; they are claimable again when their lease expires")]
        public static partial void ReleaseFailed(ILogger logger, int count, Exception exception);
    }
}
