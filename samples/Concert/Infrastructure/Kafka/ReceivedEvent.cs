namespace Concert.Infrastructure.Kafka;

/// <summary>A decoded Kafka message: the outbox message id, the event object and where it was read.</summary>
internal sealed record ReceivedEvent(Guid MessageId, object Event, string Topic, int Partition, long Offset)
{
    public string EventType => Event.GetType().Name;
}
