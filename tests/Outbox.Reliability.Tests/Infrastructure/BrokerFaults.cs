using Confluent.Kafka;
using Outbox.Kafka.Testing;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>Injects broker faults into a mock cluster in a loop, one every interval, cycling through the given kinds.</summary>
public sealed class BrokerFaults(KafkaMockCluster kafka, string topic, int partitions, int seed = 7)
{
    private const short Produce = 0;
    private readonly Random random = new(seed);

    /// <summary>The kinds of fault, in the order they are cycled through.</summary>
    public enum Kind
    {
        /// <summary>The next Produce requests answer NOT_LEADER_FOR_PARTITION.</summary>
        NotLeader,

        /// <summary>The next Produce requests answer REQUEST_TIMED_OUT.</summary>
        RequestTimedOut,

        /// <summary>Every partition's leader moves to a random broker.</summary>
        LeaderMoves,

        /// <summary>The next Produce requests answer LEADER_NOT_AVAILABLE, NOT_ENOUGH_REPLICAS.</summary>
        NotEnoughReplicas,

        /// <summary>One broker goes down, comes back after a second.</summary>
        OneBrokerDown,

        /// <summary>Every broker goes down, comes back after two seconds.</summary>
        AllBrokersDown,

        /// <summary>Every broker answers 300 ms late for two seconds.</summary>
        SlowBrokers,
    }

    /// <summary>Gets how many faults of each kind were injected.</summary>
    public Dictionary<Kind, int> Injected { get; } = [];

    /// <summary>Injects faults until <paramref name="cancellationToken"/> is cancelled; always leaves the cluster healthy.</summary>
    public async Task RunAsync(TimeSpan interval, IReadOnlyList<Kind> kinds, CancellationToken cancellationToken)
    {
        int round = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Kind kind = kinds[round++ % kinds.Count];
                await InjectAsync(kind);
                Injected[kind] = Injected.GetValueOrDefault(kind) + 1;
                await Task.Delay(interval, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            kafka.SetAllBrokersUp();
            for (int id = 1; id <= kafka.BrokerCount; id++)
            {
                kafka.SetBrokerRoundTripTime(id, TimeSpan.Zero);
            }
        }
    }

    /// <summary>Describes what was injected, e.g. "NotLeader ×4, LeaderMoves ×3".</summary>
    public string Describe() => string.Join(", ", Injected.Select(p => $"{p.Key} ×{p.Value}"));

    private async Task InjectAsync(Kind kind)
    {
        switch (kind)
        {
            case Kind.NotLeader:
                kafka.PushRequestErrors(Produce, ErrorCode.NotLeaderForPartition, ErrorCode.NotLeaderForPartition, ErrorCode.NotLeaderForPartition);
                break;
            case Kind.RequestTimedOut:
                kafka.PushRequestErrors(Produce, ErrorCode.RequestTimedOut, ErrorCode.RequestTimedOut, ErrorCode.RequestTimedOut);
                break;
            case Kind.LeaderMoves:
                for (int p = 0; p < partitions; p++)
                {
                    kafka.SetPartitionLeader(topic, p, random.Next(1, kafka.BrokerCount + 1));
                }

                break;
            case Kind.NotEnoughReplicas:
                kafka.PushRequestErrors(Produce, ErrorCode.LeaderNotAvailable, ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicas);
                break;
            case Kind.OneBrokerDown:
                int broker = random.Next(1, kafka.BrokerCount + 1);
                kafka.SetBrokerDown(broker);
                await Task.Delay(TimeSpan.FromSeconds(1));
                kafka.SetBrokerUp(broker);
                break;
            case Kind.AllBrokersDown:
                kafka.SetAllBrokersDown();
                await Task.Delay(TimeSpan.FromSeconds(2));
                kafka.SetAllBrokersUp();
                break;
            case Kind.SlowBrokers:
                for (int id = 1; id <= kafka.BrokerCount; id++)
                {
                    kafka.SetBrokerRoundTripTime(id, TimeSpan.FromMilliseconds(300));
                }

                await Task.Delay(TimeSpan.FromSeconds(2));
                for (int id = 1; id <= kafka.BrokerCount; id++)
                {
                    kafka.SetBrokerRoundTripTime(id, TimeSpan.Zero);
                }

                break;
        }
    }
}
