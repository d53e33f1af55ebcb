using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 7: a message the broker refuses for itself (an invalid record) goes DEAD at once with a
/// clear error; its own key's later messages and the messages after it flow. (A message too large
/// for the producer can no longer be staged: IOutbox refuses it at Add, see scenario 10.)
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class PoisonMessageTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const short ProduceApiKey = 0;

    [Fact]
    public async Task BrokerRefusesOneRecord_GoesDeadAtOnce_SameKeySuccessorsAndOthersFlowInOrder()
    {
        await using ScenarioHost host = await StartHostAsync();
        var committedOrder = new Dictionary<string, List<Guid>>(StringComparer.Ordinal);
        void Track(string key, Guid id)
        {
            committedOrder.TryAdd(key, []);
            committedOrder[key].Add(id);
        }

        // The broker answers the next produce request with INVALID_RECORD: that request carries the poison alone.
        Kafka.PushRequestErrors(ProduceApiKey, Confluent.Kafka.ErrorCode.InvalidRecord);
        Guid poison = Guid.Empty;
        List<Guid> good = await host.InScopeAsync(async (db, outbox) =>
        {
            poison = outbox.AddRaw(Topic, "poisoned-key", [1], "Invalid").Id;
            var ids = new List<Guid> { outbox.AddRaw(Topic, "poisoned-key", [2], "ReliabilityEvent").Id, outbox.AddRaw(Topic, "poisoned-key", [3], "ReliabilityEvent").Id };
            ids.ForEach(id => Track("poisoned-key", id));
            await db.SaveChangesAsync();
            return ids;
        });
        await Database.WaitForRowsAsync(r => r.Single(m => m.Id == poison).Status == OutboxStatus.Dead, TimeSpan.FromSeconds(30));
        good.AddRange(await host.InScopeAsync(async (db, outbox) =>
        {
            var ids = new List<Guid>();
            for (int i = 0; i < 50; i++)
            {
                Guid id = outbox.AddRaw(Topic, "other-" + (i % 10), [4], "ReliabilityEvent").Id;
                Track("other-" + (i % 10), id);
                ids.Add(id);
            }

            await db.SaveChangesAsync();
            return ids;
        }));
        var clock = Stopwatch.StartNew();

        Drain drain = await Database.WaitForDrainAsync(good.Count + 1, clock, TimeSpan.FromSeconds(60));
        DeliveryCount count = await CountAsync(good);
        List<OutboxMessage> rows = await Database.RowsAsync();
        OutboxMessage dead = rows.Single(r => r.Id == poison);
        Report(ScenarioRow.From("7 poison message (the broker answers INVALID_RECORD for it)", count, drain,
            $"the poison: {dead.Status} after {dead.Attempts} attempt(s), error \"{dead.LastError}\"; its key's 2 later messages and 50 others flowed, in key order; written excludes the poison (kept in the table as DEAD)"));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        dead.Status.Should().Be(OutboxStatus.Dead, "a record the broker refuses for itself is rejected, not retried");
        dead.Attempts.Should().Be(1, "it is not retried");
        dead.LastError.Should().Contain("InvalidRecord");
        count.Ids.Should().NotContain(poison);
        rows.Where(r => r.Id != poison).Should().OnlyContain(r => r.Status == OutboxStatus.Complete);
        count.KeyOrderViolations(committedOrder).Should().BeEmpty("the poison's key keeps its order: the messages after the poison follow in order");
        count.Duplicates.Should().Be(0);
    }
}
