using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Outbox.Kafka.Confirmation;

internal sealed partial class KafkaConfirmationConsumer
{
    // Event ids 3100-3199: the confirmation consumer.
    private static partial class Log
    {
        [LoggerMessage(3100, LogLevel.Information, "Outbox confirmation consumer started in group {GroupId} on {Topics}")]
        public static partial void Started(ILogger logger, string groupId, string topics);

        [LoggerMessage(3102, LogLevel.Warning, "Confirmation consumer could not record {Count} confirmations; retrying in {Delay}")]
        public static partial void ConfirmFailed(ILogger logger, int count, TimeSpan delay, Exception exception);

        [LoggerMessage(3103, LogLevel.Warning, "Confirmation consumer error {Code}: {Reason}")]
        public static partial void ConsumerError(ILogger logger, ErrorCode code, string reason);
    }
}
