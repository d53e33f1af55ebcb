using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 15: every broker answers 1.5 s late, two relays share the table. Sends take longer than
/// they usually do but always less than the lease (checked at start), so no relay takes over
/// another's messages in flight and nothing is multiplied.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class SlowBrokerTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    [Fact]
    public async Task BrokersAnswer1500msLateWithTwoRelays_EachMessageOnce()
    {
        for (int id = 1; id <= Kafka.BrokerCount; id++)
        {
            Kafka.SetBrokerRoundTripTime(id, TimeSpan.FromMilliseconds(1500));
        }

        await using ScenarioHost first = await StartHostAsync(o => o.RelayName = "relay-1");
        await using ScenarioHost second = await StartHostAsync(o => o.RelayName = "relay-2");
        var order = new System.Collections.Concurrent.ConcurrentDictionary<string, List<Guid>>();
        List<Guid> written = await first.CommitManyAsync(Topic, 40, perTransaction: 10, i => "key-" + (i % 10), order);
        var clock = Stopwatch.StartNew();

        Drain drain = await Database.WaitForDrainAsync(written.Count, clock, TimeSpan.FromSeconds(120));
        DeliveryCount count = await CountAsync(written);
        List<OutboxMessage> rows = await Database.RowsAsync();
        Report(ScenarioRow.From("15 every broker 1.5 s slow, two relays (default lease)", count, drain,
            $"40 messages over 10 keys; records {count.Records.Count}; messages that needed a retry {rows.Count(r => r.Attempts > 0)}"
            + (rows.FirstOrDefault(r => r.Attempts > 0) is { } retried ? $" (\"{retried.LastError}\": a first send's connection set-up takes several 1.5 s round trips, more than the 5 s delivery timeout)" : string.Empty)));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        count.Duplicates.Should().Be(0, "a slow send never outlives its lease, so the other relay never sends it again");
        count.KeyOrderViolations(order.ToDictionary(p => p.Key, p => p.Value)).Should().BeEmpty();
        InFlight.Max.Should().BeLessThanOrEqualTo(1);
    }
}
