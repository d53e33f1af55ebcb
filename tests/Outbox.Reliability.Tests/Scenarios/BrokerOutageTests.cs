using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>Scenario 4: every broker down for 30 s while 10,000 messages are written; with default settings all are delivered after recovery and none goes DEAD.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class BrokerOutageTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const int Messages = 10_000;
    private const int PerTransaction = 100;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AllBrokersDown30SecondsWhile10000MessagesAreWritten_AllDeliveredAfterRecovery_NoneDead()
    {
        // The library's defaults: SendTimeout 30 s, MaxAttempts 20, RetryDelay 1 s … 5 min, BatchSize 500, per-key order.
        await using ScenarioHost host = await StartHostAsync();
        var order = new System.Collections.Concurrent.ConcurrentDictionary<string, List<Guid>>();

        Kafka.SetAllBrokersDown();
        var outage = Stopwatch.StartNew();
        var written = new List<Guid>(Messages);
        // Paced over the first 25 s of the outage: transaction n is due at n × 25 s / 100.
        TimeSpan step = (Outage - TimeSpan.FromSeconds(5)) / (Messages / PerTransaction);
        for (int n = 0, start = 0; start < Messages; n++, start += PerTransaction)
        {
            written.AddRange(await host.CommitManyAsync(Topic, PerTransaction, PerTransaction, i => "key-" + ((start + i) % 1000), order));
            TimeSpan ahead = (step * (n + 1)) - outage.Elapsed;
            if (ahead > TimeSpan.Zero)
            {
                await Task.Delay(ahead);
            }
        }

        TimeSpan writing = outage.Elapsed;
        OutboxSummary during = await Database.SummaryAsync();
        // Task.Delay may wake a few microseconds before the stopwatch says the time is up.
        while (Outage - outage.Elapsed is { Ticks: > 0 } rest)
        {
            await Task.Delay(rest + TimeSpan.FromMilliseconds(1));
        }

        TimeSpan down = outage.Elapsed;
        OutboxSummary beforeRecovery = await Database.SummaryAsync();
        Kafka.SetAllBrokersUp();
        var clock = Stopwatch.StartNew();
        Drain drain = await Database.WaitForDrainAsync(Messages, clock, TimeSpan.FromSeconds(150));

        DeliveryCount count = await CountAsync(written);
        OutboxSummary after = await Database.SummaryAsync();
        List<OutboxMessage> rows = await Database.RowsAsync();
        List<string> violations = count.KeyOrderViolations(order);
        Report(ScenarioRow.From("4 all brokers down 30 s while 10,000 written (default settings)", count, drain,
            $"brokers down {down.TotalSeconds:0.0} s, the 10,000 written in its first {writing.TotalSeconds:0.0} s; at brokers-up: INIT {beforeRecovery.Init}, PUBLISH {beforeRecovery.Publish}; after: COMPLETE {after.Complete}, DEAD {after.Dead}; most failed attempts of a message {rows.Max(r => r.Attempts)}; per-key order kept for {order.Count - violations.Count} of {order.Count} keys; drain timed from brokers up"));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        after.Dead.Should().Be(0, "an outage shorter than the retry horizon kills nothing with default settings");
        after.Complete.Should().Be(Messages, "the backlog drained");
        during.Complete.Should().Be(0, "nothing can complete while every broker is down");
        down.Should().BeGreaterThanOrEqualTo(Outage);
        violations.Should().BeEmpty();
    }
}
