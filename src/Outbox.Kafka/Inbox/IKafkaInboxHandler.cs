using Confluent.Kafka;

namespace Outbox.Kafka.Inbox;

/// <summary>
/// Handles the records an inbox consumer (<c>AddKafkaInboxConsumer</c>) reads. It runs in a
/// service scope of its own per record, inside the transaction that records the record's
/// <c>outbox-message-id</c> in the inbox: make the changes in the scope's <c>DbContext</c> (stage
/// outbox messages there too); the consumer saves and commits them with the inbox record, then
/// commits the offset. A record seen before never reaches the handler.
/// </summary>
public interface IKafkaInboxHandler
{
    /// <summary>Handles one record. Throw to have it rolled back and retried (with backoff, until it succeeds or the host stops).</summary>
    /// <param name="record">The record as read: key, value, headers, topic, partition and offset.</param>
    /// <param name="cancellationToken">Signalled when the host stops: the transaction rolls back and the record is read again next time.</param>
    /// <returns>A task that completes when the changes are made (not saved: the consumer saves them).</returns>
    Task HandleAsync(ConsumeResult<string?, byte[]> record, CancellationToken cancellationToken);
}
