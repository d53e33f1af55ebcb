using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;

namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>
/// A plain Confluent.Kafka consumer of one fresh topic, in a group of its own, that records when
/// each key first arrived (<see cref="Stopwatch"/> timestamps; every message of the workload has
/// its own key). It is assigned every partition from the beginning rather than subscribed, so no
/// group rebalance delays the first fetch; <c>fetch.wait.max.ms</c> is 5 so a fetch returns soon
/// after a message lands.
/// </summary>
internal sealed class ConsumerReceipts : IDisposable
{
    private readonly IConsumer<string?, Ignore> consumer;
    private readonly ConcurrentDictionary<string, long> firstReceived = new(StringComparer.Ordinal);
    private readonly Thread thread;
    private volatile bool stopping;
    private long duplicates;
    private long errors;

    private ConsumerReceipts(IConsumer<string?, Ignore> consumer)
    {
        this.consumer = consumer;
        thread = new Thread(Consume) { IsBackground = true, Name = "peers consumer" };
    }

    /// <summary>Gets how many distinct keys arrived.</summary>
    public int Count => firstReceived.Count;

    /// <summary>Gets how many messages arrived again with a key already seen (at-least-once redeliveries).</summary>
    public long Duplicates => Interlocked.Read(ref duplicates);

    /// <summary>Gets how many consume errors the client reported.</summary>
    public long Errors => Interlocked.Read(ref errors);

    public static ConsumerReceipts Start(string bootstrapServers, string topic, int partitions)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"bench-peers-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchWaitMaxMs = 5,
        };
        IConsumer<string?, Ignore> consumer = new ConsumerBuilder<string?, Ignore>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var receipts = new ConsumerReceipts(consumer);
        receipts.thread.Start();
        return receipts;
    }

    /// <summary>The timestamp when <paramref name="key"/> first arrived, or <see langword="null"/>.</summary>
    public long? ReceivedAt(string key) => firstReceived.TryGetValue(key, out long at) ? at : null;

    /// <summary>Waits until <paramref name="count"/> distinct keys arrived.</summary>
    /// <returns><see langword="false"/> when no new key arrived for <paramref name="stall"/> before that.</returns>
    public async Task<bool> WaitForAsync(int count, TimeSpan stall)
    {
        int seen = Count;
        long progressed = Stopwatch.GetTimestamp();
        while (Count < count)
        {
            if (Count != seen)
            {
                seen = Count;
                progressed = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(progressed) > stall)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    public void Dispose()
    {
        stopping = true;
        thread.Join();
        consumer.Close();
        consumer.Dispose();
    }

    private void Consume()
    {
        while (!stopping)
        {
            try
            {
                ConsumeResult<string?, Ignore>? result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result?.Message is null)
                {
                    continue;
                }

                if (!firstReceived.TryAdd(result.Message.Key ?? string.Empty, Stopwatch.GetTimestamp()))
                {
                    Interlocked.Increment(ref duplicates);
                }
            }
            catch (ConsumeException)
            {
                Interlocked.Increment(ref errors);
            }
        }
    }
}
