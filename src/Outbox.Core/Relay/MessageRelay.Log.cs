using Microsoft.Extensions.Logging;

namespace Outbox;

internal sealed partial class MessageRelay
{
    // Event ids 1000-1099: the relay.
    private static partial class Log
    {
        [LoggerMessage(1000, LogLevel.Debug, "Outbox message {MessageId} INIT → PUBLISH (topic {Topic}, key {Key}, attempts so far {Attempts})")]
        public static partial void Claimed(ILogger logger, Guid messageId, string topic, string? key, int attempts);

        [LoggerMessage(1001, LogLevel.Debug, "Outbox message {MessageId} PUBLISH → COMPLETE (topic {Topic}, key {Key})")]
        public static partial void Completed(ILogger logger, Guid messageId, string topic, string? key);

        [LoggerMessage(1002, LogLevel.Warning, "Outbox message {MessageId} PUBLISH → INIT: send to {Topic} failed (attempt {Attempts}), next attempt in {RetryAfter}: {Error}")]
        public static partial void WillRetry(ILogger logger, Guid messageId, string topic, int attempts, TimeSpan retryAfter, string? error);

        [LoggerMessage(1003, LogLevel.Error, "Outbox message {MessageId} PUBLISH → DEAD: {Topic} rejected it: {Error}")]
        public static partial void Rejected(ILogger logger, Guid messageId, string topic, string? error);

        [LoggerMessage(1004, LogLevel.Error, "Outbox message {MessageId} PUBLISH → DEAD after {Attempts} failed attempts to {Topic}: {Error}")]
        public static partial void AttemptsExhausted(ILogger logger, Guid messageId, string topic, int attempts, string? error);

        [LoggerMessage(1005, LogLevel.Warning, "The transport failed for a batch of {Count} messages; they will be retried")]
        public static partial void SendFailed(ILogger logger, int count, Exception exception);

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

        [LoggerMessage(1010, LogLevel.Debug, "Outbox message {MessageId} PUBLISH → INIT: released unsent to {Topic} (the relay is stopping, or too little of its lease was left)")]
        public static partial void ReleasedOne(ILogger logger, Guid messageId, string topic);

        [LoggerMessage(1011, LogLevel.Debug, "Outbox message {MessageId} sent to {Topic}; stays PUBLISH until a confirmation completes it")]
        public static partial void AwaitingConfirmation(ILogger logger, Guid messageId, string topic);

        [LoggerMessage(1009, LogLevel.Warning, "Could not release {Count} claimed messages while stopping; they are claimable again when their lease expires")]
        public static partial void ReleaseFailed(ILogger logger, int count, Exception exception);
    }
}
