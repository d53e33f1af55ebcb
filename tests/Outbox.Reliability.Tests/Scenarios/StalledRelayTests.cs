using System.Diagnostics;
using Outbox.Kafka;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.Storage;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 14: a relay stalls after its claim for longer than its lease (a long pause, a frozen
/// VM). Another relay takes the messages over and sends each key's three messages; when the stalled
/// relay wakes up it must not send its stale claim: no key's first message may arrive again after
/// its later ones.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class StalledRelayTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const int Keys = 20;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task RelayStalledPastItsLease_SendsNothingStale_EachKeyArrivesOnceInOrder()
    {
        // Short sends (500 ms delivery timeout: at most 2.5 s per send), so a 5 s lease passes the start-up check.
        void Short(OutboxOptions o) => o.LeaseDuration = Lease;
        void ShortSends(Outbox.Kafka.OutboxKafkaOptions k) => k.SendTimeout = TimeSpan.FromMilliseconds(500);
        List<Guid> written;
        var order = new System.Collections.Concurrent.ConcurrentDictionary<string, List<Guid>>();
        await using (ScenarioHost writer = await StartHostAsync(o => o.EnableRelay = false))
        {
            written = [];
            for (int round = 0; round < 3; round++)
            {
                written.AddRange(await writer.CommitManyAsync(Topic, Keys, perTransaction: Keys, i => "key-" + i, order));
            }
        }

        var stalling = new StallingStore.Stall(Stall);
        await using ScenarioHost stalled = await StartHostAsync(
            o => { Short(o); o.RelayName = "stalled"; o.MaxConcurrentBatches = 1; },
            ShortSends,
            s => ServiceDecorator.Decorate<IOutboxStore>(s, inner => new StallingStore(inner, stalling)));
        await Database.WaitForRowsAsync(r => r.Any(m => m.LeaseOwner?.StartsWith("stalled/", StringComparison.Ordinal) == true), TimeSpan.FromSeconds(30));
        await using ScenarioHost healthy = await StartHostAsync(o => { Short(o); o.RelayName = "healthy"; }, ShortSends);
        var clock = Stopwatch.StartNew();
        await stalling.Resumed.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Drain drain = await Database.WaitForDrainAsync(written.Count, clock, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2)); // anything the stalled relay still sent would have landed by now
        DeliveryCount count = await CountAsync(written);
        List<string> violations = count.KeyOrderViolations(order.ToDictionary(p => p.Key, p => p.Value));
        int firstAfterLater = count.Records.GroupBy(r => r.Key).Count(g => g.Select(DeliveryCount.IdOf).ToList() is var ids && ids.LastIndexOf(order[g.Key!][0]) > ids.IndexOf(order[g.Key!][2]));
        Report(ScenarioRow.From("14 relay stalled 8 s after its claim, past its 5 s lease; a second relay takes over", count, drain,
            $"{Keys} keys × 3 messages; the stalled relay held {stalling.StalledClaim.Count} claimed messages and gave them back unsent after waking; "
            + $"keys whose first message arrived again after their third: {firstAfterLater}; records {count.Records.Count}; drain timed from the second relay's start",
            violations.Count));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        stalling.StalledClaim.Should().NotBeEmpty();
        firstAfterLater.Should().Be(0, "a relay never sends after its lease ended (m1, m2, m3, m1 is what an unfenced relay sends)");
        count.Duplicates.Should().Be(0, "the stalled claim was never produced");
        violations.Should().BeEmpty();
        InFlight.Max.Should().BeLessThanOrEqualTo(1);
    }
}
