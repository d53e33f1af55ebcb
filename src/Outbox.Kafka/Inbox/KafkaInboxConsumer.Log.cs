using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Outbox.Kafka.Inbox;

internal sealed partial class KafkaInboxConsumer<THandler>
{
    // Event ids 3200-3299: the inbox consumers.
    private static partial class Log
    {
        [LoggerMessage(3200, LogLevel.Information, "Inbox consumer {GroupId} started on {Topics} with {Handler}")]
        public static partial void Started(ILogger logger, string groupId, string topics, string handler);

        [LoggerMessage(3201, LogLevel.Information, "Inbox consumer {GroupId} stopped and left its group")]
        public static partial void Stopped(ILogger logger, string groupId);

        [LoggerMessage(3202, LogLevel.Debug, "Inbox consumer {GroupId} skipped message {MessageId} at {Topic}[{Partition}]@{Offset}: handled before")]
        public static partial void Duplicate(ILogger logger, string groupId, Guid messageId, string topic, int partition, long offset);

        [LoggerMessage(3203, LogLevel.Warning, "Inbox consumer {GroupId}: the record at {Topic}[{Partition}]@{Offset} has no valid {Header} header; it is handled without de-duplication")]
        public static partial void Unidentified(ILogger logger, string groupId, string topic, int partition, long offset, string header);

        [LoggerMessage(3204, LogLevel.Warning, "Inbox consumer {GroupId}: {Handler} failed (attempt {Attempt}); its transaction rolled back, retrying in {Delay}")]
        public static partial void HandlerFailed(ILogger logger, string groupId, string handler, int attempt, TimeSpan delay, Exception exception);

        [LoggerMessage(3205, LogLevel.Warning, "Inbox consumer {GroupId} error {Code}: {Reason}")]
        public static partial void ConsumerError(ILogger logger, string groupId, ErrorCode code, string reason);

        [LoggerMessage(3206, LogLevel.Warning, "Inbox consumer {GroupId} could not commit an offset ({Code}: {Reason}); the record is read again and skipped")]
        public static partial void CommitFailed(ILogger logger, string groupId, ErrorCode code, string reason);

        [LoggerMessage(3207, LogLevel.Information, "Inbox consumer {GroupId} was assigned {Partitions}")]
        public static partial void Assigned(ILogger logger, string groupId, string partitions);

        [LoggerMessage(3208, LogLevel.Information, "Inbox consumer {GroupId} gave up {Partitions} in a rebalance")]
        public static partial void Revoked(ILogger logger, string groupId, string partitions);

        [LoggerMessage(3209, LogLevel.Warning, "Inbox consumer {GroupId} lost {Partitions}; records handled and not committed are read again and skipped")]
        public static partial void Lost(ILogger logger, string groupId, string partitions);
    }
}
