using System.Diagnostics;
using System.Globalization;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 8: two relay processes on one table; one is killed with SIGKILL in the middle of a
/// batch (half of it acknowledged by the broker, half never sent). The other takes the batch over
/// when the dead one's lease expires: nothing lost; the acknowledged half is sent twice.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class RelayKilledMidBatchTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const int Messages = 2_000;
    private const int LeaseMilliseconds = 8_000; // sends take up to 3 s here: 8 s leave room for a slow claim on a busy machine

    [Fact]
    public async Task TwoRelayProcesses_OneKilledMidBatch_OtherTakesOverAfterTheLease_NothingLost()
    {
        List<Guid> written;
        await using (ScenarioHost writer = await StartHostAsync(o => o.EnableRelay = false))
        {
            written = await writer.CommitManyAsync(Topic, Messages, perTransaction: 100, i => "key-" + i);
        }

        string lease = LeaseMilliseconds.ToString(CultureInfo.InvariantCulture);
        using ChildProcess relayA = ChildProcess.Start("relay-die-mid-batch", ("db", Database.ConnectionString), ("kafka", Kafka.BootstrapServers), ("lease-ms", lease), ("name", "relay-a"));
        await relayA.WaitForLineAsync("HALF-SENT", TimeSpan.FromSeconds(90));

        // The relay may have more than one batch in flight (MaxConcurrentBatches): wait until every
        // batch it claimed is hung half-sent, i.e. the batch sizes it announced cover its claimed rows.
        List<OutboxMessage> heldByA = [];
        int announced = 0, batches = 0;
        for (DateTime deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            heldByA = (await Database.RowsAsync()).Where(r => r.LeaseOwner?.StartsWith("relay-a/", StringComparison.Ordinal) == true).ToList();
            List<string> halves = relayA.Lines.Where(l => l.StartsWith("HALF-SENT", StringComparison.Ordinal)).ToList();
            (announced, batches) = (halves.Sum(l => int.Parse(l.Split(' ')[^1], CultureInfo.InvariantCulture)), halves.Count);
            if (announced == heldByA.Count)
            {
                break;
            }
        }

        int batch = heldByA.Count;

        using ChildProcess relayB = ChildProcess.Start("relay", ("db", Database.ConnectionString), ("kafka", Kafka.BootstrapServers), ("lease-ms", lease), ("name", "relay-b"));
        await relayB.WaitForLineAsync("STARTED", TimeSpan.FromSeconds(90));
        List<OutboxMessage> beforeKill = await Database.WaitForRowsAsync(r => r.Count(m => m.Status == OutboxStatus.Complete) >= Messages - batch, TimeSpan.FromSeconds(60));
        int stillHeldByA = beforeKill.Count(r => r.Status == OutboxStatus.Publish && r.LeaseOwner?.StartsWith("relay-a/", StringComparison.Ordinal) == true);

        relayA.Kill();
        var clock = Stopwatch.StartNew();

        // Everything A sent before it died: its first batch's half, and the half of any batch its
        // other pass claimed again once a send outlived its window and went back to INIT.
        List<Guid> sentByA = relayA.IdsOn("SENT");
        Drain drain = await Database.WaitForDrainAsync(Messages, clock, TimeSpan.FromSeconds(60));
        relayB.Kill();

        DeliveryCount count = await CountAsync(written);
        List<Guid> duplicated = count.Ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Report(ScenarioRow.From("8 two relay processes, one SIGKILLed mid-batch", count, drain,
            $"relay A claimed {batch} in {batches} concurrent batch(es), sent {sentByA.Count} (acked), hung and was killed with {stillHeldByA} rows still under its {LeaseMilliseconds / 1000} s lease while relay B sent the other {Messages - batch}; "
            + $"B took A's batch over after the lease; the {count.Duplicates} duplicates are exactly the {sentByA.Count} acked sends of A (same ids); drain timed from the kill"));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        announced.Should().Be(batch, "every batch A claimed was hung half-sent when it was killed");
        heldByA.Should().NotBeEmpty().And.OnlyContain(r => r.Status == OutboxStatus.Publish, "A's claims are under A's lease");
        duplicated.Should().BeSubsetOf(sentByA, "only what A had sent is sent twice");
        count.Duplicates.Should().Be(sentByA.Count, "B re-sends A's acknowledged half once (at-least-once), nothing else");
        List<OutboxMessage> rows = await Database.RowsAsync();
        HashSet<Guid> takenOver = heldByA.Select(r => r.Id).ToHashSet();
        rows.Should().OnlyContain(r => r.Status == OutboxStatus.Complete);
        // A lapsed lease counts an attempt: at least one for A's batch (taken over by B, or first by
        // A's other pass when B's start outlasted the lease).
        rows.Where(r => takenOver.Contains(r.Id)).Should().OnlyContain(r => r.Attempts >= 1);
        drain.Time.Should().BeLessThan(TimeSpan.FromMilliseconds(LeaseMilliseconds) + TimeSpan.FromSeconds(20), "B takes over once the lease runs out, plus its polling and backoff");
    }
}
