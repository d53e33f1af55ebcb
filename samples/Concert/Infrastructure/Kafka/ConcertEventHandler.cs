using Confluent.Kafka;
using Outbox.Kafka.Inbox;

namespace Concert.Infrastructure.Kafka;

/// <summary>
/// The app's consumer groups' common part: decodes a record into a <see cref="ReceivedEvent"/> and
/// hands it to <see cref="HandleAsync(ReceivedEvent, CancellationToken)"/>. The library's inbox
/// consumer (<c>AddKafkaInboxConsumer</c>) runs it once per message id and group, in a transaction
/// with its <c>inbox_messages</c> record, and commits the offset after that transaction.
/// </summary>
internal abstract partial class ConcertEventHandler(ILogger logger) : IKafkaInboxHandler
{
    /// <summary>Gets the consumer group id: each group gets every event.</summary>
    protected abstract string GroupId { get; }

    public Task HandleAsync(ConsumeResult<string?, byte[]> record, CancellationToken cancellationToken)
    {
        if (!ConcertEventDecoder.TryDecode(record, out ReceivedEvent? received, out string? problem))
        {
            // A record no retry can fix: skip it (its offset is committed) rather than block the partition.
            LogUndecodable(logger, GroupId, record.Topic, record.Partition.Value, record.Offset.Value, problem);
            return Task.CompletedTask;
        }

        LogReceived(logger, GroupId, received!.EventType, received.MessageId, received.Topic, received.Partition, received.Offset);
        return HandleAsync(received, cancellationToken);
    }

    /// <summary>Acts on one event. Throw to have it rolled back and retried.</summary>
    protected abstract Task HandleAsync(ReceivedEvent received, CancellationToken cancellationToken);

    [LoggerMessage(LogLevel.Information, "[{Group}] received {EventType} {MessageId} ({Topic}[{Partition}]@{Offset})")]
    private static partial void LogReceived(ILogger logger, string group, string eventType, Guid messageId, string topic, int partition, long offset);

    [LoggerMessage(LogLevel.Warning, "[{Group}] skipped {Topic}[{Partition}]@{Offset}: {Problem}")]
    private static partial void LogUndecodable(ILogger logger, string group, string topic, int partition, long offset, string? problem);
}
