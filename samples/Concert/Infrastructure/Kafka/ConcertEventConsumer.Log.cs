using Confluent.Kafka;

namespace Concert.Infrastructure.Kafka;

internal abstract partial class ConcertEventConsumer
{
    [LoggerMessage(LogLevel.Information, "[{Group}] consuming {Topics}")]
    private static partial void LogStarted(ILogger logger, string group, string topics);

    [LoggerMessage(LogLevel.Information, "[{Group}] stopped and left the group")]
    private static partial void LogStopped(ILogger logger, string group);

    [LoggerMessage(LogLevel.Information, "[{Group}] received {EventType} {MessageId} ({Topic}[{Partition}]@{Offset})")]
    private static partial void LogReceived(ILogger logger, string group, string eventType, Guid messageId, string topic, int partition, long offset);

    [LoggerMessage(LogLevel.Information, "[{Group}] dropped a duplicate of {EventType} {MessageId} (partition {Partition}, offset {Offset}): already handled")]
    private static partial void LogDuplicate(ILogger logger, string group, string eventType, Guid messageId, int partition, long offset);

    [LoggerMessage(LogLevel.Warning, "[{Group}] skipped {Topic}[{Partition}]@{Offset}: {Problem}")]
    private static partial void LogUndecodable(ILogger logger, string group, string topic, int partition, long offset, string? problem);

    [LoggerMessage(LogLevel.Warning, "[{Group}] handling {EventType} {MessageId} failed (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string group, string eventType, Guid messageId, int attempt, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "[{Group}] Kafka error {Code}: {Reason}")]
    private static partial void LogKafkaError(ILogger logger, string group, ErrorCode code, string reason);

    [LoggerMessage(LogLevel.Debug, "[{Group}] librdkafka {Facility}: {Message}")]
    private static partial void LogLibrdkafka(ILogger logger, string group, string facility, string message);
}
