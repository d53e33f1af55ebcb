using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Outbox.Kafka;

internal sealed partial class KafkaOutboxTransport
{
    // Event ids 3000-3099: the Kafka transport.
    private static partial class Log
    {
        [LoggerMessage(3000, LogLevel.Information, "Created the Kafka producer {ProducerName} for {BootstrapServers}")]
        public static partial void ProducerCreated(ILogger logger, string producerName, string? bootstrapServers);

        [LoggerMessage(3001, LogLevel.Warning, "Kafka producer {ProducerName} error {Code}: {Reason} ({Repeats} repeats at Debug since its last warning; it warns again after {Interval} or a delivered batch)")]
        public static partial void ProducerError(ILogger logger, string producerName, ErrorCode code, string reason, int repeats, TimeSpan interval);

        [LoggerMessage(3011, LogLevel.Debug, "Kafka producer {ProducerName} error {Code} again: {Reason}")]
        public static partial void ProducerErrorRepeated(ILogger logger, string producerName, ErrorCode code, string reason);

        [LoggerMessage(3002, LogLevel.Critical, "Kafka producer {ProducerName} fatal error {Code}: {Reason}; it is replaced by a new producer before the next batch")]
        public static partial void ProducerFatal(ILogger logger, string producerName, ErrorCode code, string reason);

        [LoggerMessage(3003, LogLevel.Debug, "Kafka batch of {Count} messages to {Topic}: {Delivered} delivered, {Failed} failed, {Rejected} rejected in {ElapsedMs:0.0} ms")]
        public static partial void BatchSent(ILogger logger, int count, string topic, int delivered, int failed, int rejected, double elapsedMs);

        [LoggerMessage(3004, LogLevel.Warning, "Stopping: {Unfinished} of {Count} Kafka sends had no delivery report yet and are reported failed (they may still arrive; the relay retries them)")]
        public static partial void CancelledWithUnfinished(ILogger logger, int unfinished, int count);

        [LoggerMessage(3005, LogLevel.Warning, "{Unfinished} of {Count} Kafka sends had no delivery report within {Timeout}; they are reported failed")]
        public static partial void NoDeliveryReport(ILogger logger, int unfinished, int count, TimeSpan timeout);

        [LoggerMessage(3008, LogLevel.Warning, "{NotSent} of {Count} messages were not handed to the Kafka producer ({Reason}); they go back unsent")]
        public static partial void NotSent(ILogger logger, int notSent, int count, string reason);

        [LoggerMessage(3006, LogLevel.Debug, "The local Kafka producer queue is full; waiting for room")]
        public static partial void QueueFull(ILogger logger);

        [LoggerMessage(3007, LogLevel.Information, "Kafka producer warm-up could not load metadata ({Code}: {Reason}); the first send connects instead")]
        public static partial void WarmUpFailed(ILogger logger, ErrorCode code, string reason);

        [LoggerMessage(EventId = 3010, Message = "librdkafka {Facility}: {Message}")]
        public static partial void Librdkafka(ILogger logger, LogLevel level, string facility, string message);
    }
}
