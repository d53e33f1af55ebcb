using Outbox.TestSupport.Kafka;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>What the README tells consumers to do: handle a message once per <c>outbox-message-id</c> and drop the repeats.</summary>
public sealed class DeduplicatingConsumer
{
    private readonly HashSet<Guid> seen = [];

    public List<Guid> Handled { get; } = [];

    public int Dropped { get; private set; }

    /// <summary>Feeds records in the order the consumer read them.</summary>
    public DeduplicatingConsumer Consume(IEnumerable<KafkaRecord> records)
    {
        foreach (KafkaRecord record in records)
        {
            Guid id = DeliveryCount.IdOf(record);
            if (seen.Add(id))
            {
                Handled.Add(id);
            }
            else
            {
                Dropped++;
            }
        }

        return this;
    }
}
