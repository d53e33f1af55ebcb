using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.Kafka;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 23: a process writes with direct sends (its rows owned by its relay from the insert),
/// its sends reach the broker, and it is killed with SIGKILL before any completion is recorded,
/// with more of its keys' messages committed behind them. Another relay takes the rows over after
/// the lease: nothing lost, every key in commit order (first appearances), the acknowledged ones
/// sent again with the same id.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class DirectSendCrashTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const int Messages = 200, Keys = 20;
    private const int LeaseMilliseconds = 8000;

    [Fact]
    public async Task WriterKilledAfterItsDirectSendsWereAcked_AnotherRelayDeliversEverythingInKeyOrder()
    {
        List<Guid> committed, acked;
        using (ChildProcess writer = ChildProcess.Start(
            "write-direct-die-after-ack",
            ("db", Database.ConnectionString),
            ("kafka", Kafka.BootstrapServers),
            ("lease-ms", LeaseMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("name", "doomed-writer"),
            ("topic", Topic),
            ("count", Messages.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("keys", Keys.ToString(System.Globalization.CultureInfo.InvariantCulture))))
        {
            await writer.WaitForLineAsync("ALL-COMMITTED", TimeSpan.FromSeconds(90));
            await writer.WaitForLineAsync("ACKED-ALL", TimeSpan.FromSeconds(30));
            writer.Kill();
            committed = writer.IdsOn("COMMITTED");
            acked = writer.IdsOn("ACKED");
        }

        var clock = Stopwatch.StartNew();
        List<OutboxMessage> rows = await Database.RowsAsync();
        int owned = rows.Count(r => r.Status == OutboxStatus.Publish && r.LeaseOwner!.EndsWith("/direct", StringComparison.Ordinal));
        committed.Should().HaveCount(Messages);
        acked.Should().NotBeEmpty("the direct sender's first sends reached the broker");
        owned.Should().BeGreaterThan(0, "the writes were owned by the writer's direct sender");
        rows.Should().NotContain(r => r.Status == OutboxStatus.Complete, "the dying process recorded nothing");
        KafkaTopicReader.GetEndOffsetSum(Kafka.BootstrapServers, Topic, TimeSpan.FromSeconds(10)).Should().Be(acked.Count);

        await using ScenarioHost next = await StartHostAsync(o => o.RelayName = "next");
        Drain drain = await Database.WaitForDrainAsync(Messages, clock, TimeSpan.FromSeconds(90));

        DeliveryCount count = await CountAsync(committed);
        Dictionary<string, List<Guid>> order = committed
            .Select((id, i) => (id, key: "key-" + (i % Keys)))
            .GroupBy(p => p.key)
            .ToDictionary(g => g.Key, g => g.Select(p => p.id).ToList());
        List<string> violations = count.KeyOrderViolations(order);
        Report(ScenarioRow.From("23 writer with direct sends SIGKILLed after broker ack, before COMPLETE", count, drain,
            $"{owned} rows owned by the dead writer ({acked.Count} acknowledged, the rest queued behind them); taken over after the {LeaseMilliseconds / 1000} s lease; drain timed from the kill",
            violations.Count));
        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        violations.Should().BeEmpty("each key's messages first appear in commit order");
        count.Duplicates.Should().BeLessThanOrEqualTo(acked.Count, "only what the broker acknowledged before the kill is sent twice");
        InFlight.Max.Should().BeLessThanOrEqualTo(1);
    }
}
