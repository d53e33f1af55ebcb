using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;
using static Outbox.Reliability.Tests.Infrastructure.BrokerFaults;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>Scenario 5: broker errors (not leader, request timed out, leader moves, not enough replicas) injected while writing: nothing lost, per-key order kept.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class BrokerErrorsTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    [Fact]
    public async Task NotLeaderTimeoutsAndLeaderMovesDuringARun_NothingLost_PerKeyOrderKept()
    {
        await using ScenarioHost host = await StartHostAsync();
        var faults = new BrokerFaults(Kafka, Topic, Partitions);
        var writers = new ConcurrentWriters();
        using var stop = new CancellationTokenSource();

        Task injecting = faults.RunAsync(TimeSpan.FromMilliseconds(250), [Kind.NotLeader, Kind.LeaderMoves, Kind.RequestTimedOut, Kind.NotEnoughReplicas], stop.Token);
        await writers.RunAsync(host, Topic, writers: 4, duration: TimeSpan.FromSeconds(6), perWriter: 1_000, perTransaction: 20, pause: TimeSpan.FromMilliseconds(80), keysPerWriter: 50);
        await stop.CancelAsync();
        await injecting;
        var clock = Stopwatch.StartNew();
        Drain drain = await Database.WaitForDrainAsync(writers.Written.Count, clock, TimeSpan.FromSeconds(90));

        DeliveryCount count = await CountAsync(writers.Written);
        OutboxSummary summary = await Database.SummaryAsync();
        List<OutboxMessage> rows = await Database.RowsAsync();
        List<string> violations = count.KeyOrderViolations(writers.CommitOrder);
        foreach (OutboxMessage missing in rows.Where(r => count.Missing.Contains(r.Id)).Take(10))
        {
            Output.WriteLine($"missing from the topic: {missing.Id} key {missing.Key} status {missing.Status} attempts {missing.Attempts} completed {missing.CompletedAt:HH:mm:ss.fff} error {missing.LastError}");
        }

        Report(ScenarioRow.From("5 broker errors injected while writing", count, drain,
            $"injected every 250 ms: {faults.Describe()}; per-key order kept for {writers.CommitOrder.Count - violations.Count} of {writers.CommitOrder.Count} keys; DEAD {summary.Dead}; messages that needed a relay retry {rows.Count(r => r.Attempts > 0)}; end offsets {count.EndOffsetSum:N0}, records read {count.Records.Count:N0}"
            + (count.Missing.Count > 0 ? $"; the {count.Missing.Count} missing are {string.Join("/", rows.Where(r => count.Missing.Contains(r.Id)).GroupBy(r => r.Status).Select(g => $"{g.Count()} {g.Key}"))} in the table" : "")));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        violations.Should().BeEmpty("messages of one key reach the topic in commit order");
        summary.Dead.Should().Be(0, "transient broker errors kill nothing");
        faults.Injected.Values.Sum().Should().BeGreaterThanOrEqualTo(8, "faults were injected during the run");
    }
}
