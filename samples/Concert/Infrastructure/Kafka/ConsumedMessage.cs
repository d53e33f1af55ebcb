namespace Concert.Infrastructure.Kafka;

/// <summary>
/// A message a consumer group has handled, by its outbox message id. Kafka delivers at least
/// once (and the relay may send a message twice after a crash), so each group checks this log
/// before acting and writes to it after.
/// </summary>
internal sealed class ConsumedMessage
{
    public string ConsumerGroup { get; set; } = string.Empty;

    public Guid MessageId { get; set; }

    public DateTimeOffset ConsumedAt { get; set; }
}
