using System.Text;
using Confluent.Kafka;

namespace Outbox.TestSupport.Kafka;

/// <summary>
/// Reads a topic back with a real Confluent.Kafka consumer, to check what a test sent. The
/// consumer has a unique group id and is assigned every partition from the beginning (no group
/// join: on the mock cluster a join takes about 3 seconds, an assignment well under one).
/// </summary>
public static class KafkaTopicReader
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Reads every partition of a topic from the beginning until <paramref name="count"/>
    /// messages have arrived or <paramref name="timeout"/> has passed.
    /// </summary>
    /// <param name="bootstrapServers">The broker list.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="count">How many messages to wait for.</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The messages read, in arrival order (per partition: offset order); fewer than <paramref name="count"/> on timeout.</returns>
    public static Task<IReadOnlyList<KafkaRecord>> ReadAsync(string bootstrapServers, string topic, int count, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Task.Run<IReadOnlyList<KafkaRecord>>(() => Read(bootstrapServers, topic, count, timeout, cancellationToken), cancellationToken);

    /// <summary>Gets the sum of the end offsets (high watermarks) of a topic's partitions: how many messages it has ever taken.</summary>
    /// <param name="bootstrapServers">The broker list.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="timeout">How long each broker query may take.</param>
    /// <returns>The summed end offsets; 0 for a topic with no messages.</returns>
    public static long GetEndOffsetSum(string bootstrapServers, string topic, TimeSpan timeout)
    {
        using IConsumer<Ignore, Ignore> consumer = new ConsumerBuilder<Ignore, Ignore>(ConsumerConfig(bootstrapServers)).Build();
        return PartitionsOf(consumer, topic, timeout).Sum(p => consumer.QueryWatermarkOffsets(p, timeout).High.Value);
    }

    private static List<KafkaRecord> Read(string bootstrapServers, string topic, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var records = new List<KafkaRecord>(count);
        DateTime deadline = DateTime.UtcNow + timeout;
        using IConsumer<string?, byte[]> consumer = new ConsumerBuilder<string?, byte[]>(ConsumerConfig(bootstrapServers))
            .SetKeyDeserializer(Deserializers.Utf8)
            .SetValueDeserializer(Deserializers.ByteArray)
            .Build();
        consumer.Assign(PartitionsOf(consumer, topic, timeout).Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        try
        {
            while (records.Count < count && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]>? result = consumer.Consume(PollInterval);
                if (result?.Message is { } message)
                {
                    records.Add(new KafkaRecord(message.Key, message.Value, HeadersOf(message.Headers), result.Partition.Value, result.Offset.Value));
                }
            }
        }
        finally
        {
            consumer.Close();
        }

        return records;
    }

    private static List<TopicPartition> PartitionsOf<TKey, TValue>(IConsumer<TKey, TValue> consumer, string topic, TimeSpan timeout)
    {
        using IAdminClient admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        TopicMetadata metadata = admin.GetMetadata(topic, timeout).Topics.Single();
        if (metadata.Error.IsError)
        {
            throw new InvalidOperationException($"Topic {topic} cannot be read: {metadata.Error}");
        }

        return metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
    }

    private static Dictionary<string, string> HeadersOf(Headers? headers)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (headers is null)
        {
            return result;
        }

        foreach (IHeader header in headers)
        {
            result[header.Key] = Encoding.UTF8.GetString(header.GetValueBytes());
        }

        return result;
    }

    private static ConsumerConfig ConsumerConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        GroupId = $"reader-{Guid.NewGuid():N}",
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        EnablePartitionEof = false,

        // The mock cluster holds a fetch for fetch.wait.max.ms even when data is there, so a
        // topic written in many small batches reads slowly with the 500 ms default.
        FetchWaitMaxMs = 10,
    };
}
