using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;
using static Outbox.Reliability.Tests.Infrastructure.BrokerFaults;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>Scenario 9: 8 concurrent writers for 60 s with a broker fault injected every 3 s: nothing lost, per-key order kept.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class LoadWithFaultsTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const int Writers = 8;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EightWritersFor60SecondsWithBrokerFaultsEvery3Seconds_NothingLost_PerKeyOrderKept()
    {
        await using ScenarioHost host = await StartHostAsync();
        var faults = new BrokerFaults(Kafka, Topic, Partitions);
        var writers = new ConcurrentWriters();
        using var stop = new CancellationTokenSource();

        Task injecting = faults.RunAsync(
            TimeSpan.FromSeconds(3),
            [Kind.NotLeader, Kind.OneBrokerDown, Kind.LeaderMoves, Kind.RequestTimedOut, Kind.SlowBrokers, Kind.NotEnoughReplicas, Kind.AllBrokersDown],
            stop.Token);
        await writers.RunAsync(host, Topic, Writers, Duration, perWriter: int.MaxValue, perTransaction: 5, pause: TimeSpan.FromMilliseconds(40), keysPerWriter: 250);
        await stop.CancelAsync();
        await injecting;
        var clock = Stopwatch.StartNew();
        Drain drain = await Database.WaitForDrainAsync(writers.Written.Count, clock, TimeSpan.FromSeconds(120));

        DeliveryCount count = await CountAsync(writers.Written);
        OutboxSummary summary = await Database.SummaryAsync();
        List<string> violations = count.KeyOrderViolations(writers.CommitOrder);
        Report(ScenarioRow.From("9 8 writers × 60 s, a broker fault every 3 s", count, drain,
            $"{writers.Transactions:N0} transactions over {writers.CommitOrder.Count:N0} keys; faults: {faults.Describe()}; per-key order kept for {writers.CommitOrder.Count - violations.Count:N0} of {writers.CommitOrder.Count:N0} keys; DEAD {summary.Dead}; end offsets {count.EndOffsetSum:N0} = records read {count.Records.Count:N0}"));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        violations.Should().BeEmpty("messages of one key reach the topic in commit order");
        summary.Dead.Should().Be(0);
        count.Records.Should().HaveCount((int)count.EndOffsetSum, "every record the topic took was read back (none dropped by the mock's retention)");
        faults.Injected.Values.Sum().Should().BeGreaterThanOrEqualTo(15);
    }
}
