using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 19: with the library's defaults (20 s lease, 5 s send timeout), a relay process that
/// claimed a batch is killed with SIGKILL. Another relay, also on defaults, resumes the claimed
/// messages' keys when the lease ends: within 25 s of the kill.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class KilledRelayResumeTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    [Fact]
    public async Task RelayKilledWithClaimsOnDefaults_AnotherRelayResumesTheirKeysWithin25s()
    {
        var order = new System.Collections.Concurrent.ConcurrentDictionary<string, List<Guid>>();
        List<Guid> written;
        await using (ScenarioHost writer = await StartHostAsync(o => o.EnableRelay = false))
        {
            written = await writer.CommitManyAsync(Topic, 200, perTransaction: 50, i => "key-" + (i % 40), order);
        }

        using (ChildProcess doomed = ChildProcess.Start("relay-die-mid-batch", ("db", Database.ConnectionString), ("kafka", Kafka.BootstrapServers), ("name", "doomed"), ("defaults", "true")))
        {
            await doomed.WaitForLineAsync("HALF-SENT", TimeSpan.FromSeconds(90));
            doomed.Kill();
        }

        var sinceKill = Stopwatch.StartNew();
        List<OutboxMessage> held = (await Database.RowsAsync()).Where(r => r.Status == OutboxStatus.Publish).ToList();
        await using ScenarioHost next = await StartHostAsync(o => o.RelayName = "next");
        List<OutboxMessage> rows = await Database.WaitForRowsAsync(r => held.All(h => r.Single(m => m.Id == h.Id).Status == OutboxStatus.Complete), TimeSpan.FromSeconds(60));
        TimeSpan resumed = sinceKill.Elapsed;
        Drain drain = await Database.WaitForDrainAsync(written.Count, sinceKill, TimeSpan.FromSeconds(60));
        DeliveryCount count = await CountAsync(written);
        Report(ScenarioRow.From("19 relay SIGKILLed holding claims, library defaults", count, drain,
            $"the killed relay held {held.Count} messages ({held.Select(h => h.Key).Distinct().Count()} keys) under its 20 s lease; the next relay completed all of them {resumed.TotalSeconds:0.0} s after the kill; drain timed from the kill",
            count.KeyOrderViolations(order.ToDictionary(p => p.Key, p => p.Value)).Count));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        held.Should().NotBeEmpty();
        resumed.Should().BeLessThan(TimeSpan.FromSeconds(25), "the default lease is 20 s");
        InFlight.Max.Should().BeLessThanOrEqualTo(1);
    }
}
