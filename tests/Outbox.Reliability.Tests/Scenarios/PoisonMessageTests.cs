using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>Scenario 7: a message larger than the broker accepts goes DEAD with a clear error; the messages around it, its own key's later ones included, flow.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class PoisonMessageTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    [Fact]
    public async Task PayloadWithinMaxPayloadBytesButOverTheBrokerLimit_GoesDeadAtOnce_NeighboursAndSameKeySuccessorsFlowInOrder()
    {
        // Default settings: MaxPayloadBytes = 1,000,000 and the producer's message.max.bytes = 1,000,000.
        // A payload just under the outbox limit is accepted by IOutbox.Add, but with its key and
        // headers the Kafka message is over the limit: the broker (here the client's own check of
        // the broker limit) can never take it.
        await using ScenarioHost host = await StartHostAsync();
        var committedOrder = new Dictionary<string, List<Guid>>(StringComparer.Ordinal);
        Guid poison = Guid.Empty;
        List<Guid> good = await host.InScopeAsync(async (db, outbox) =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var ids = new List<Guid>();
            void Add(string key, int bytes)
            {
                Guid id = outbox.AddRaw(Topic, key, new byte[bytes], "ReliabilityEvent").Id;
                committedOrder.TryAdd(key, []);
                committedOrder[key].Add(id);
                ids.Add(id);
            }

            Add("poisoned-key", 100);
            poison = outbox.AddRaw(Topic, "poisoned-key", new byte[999_990], "TooLarge").Id;
            Add("poisoned-key", 100);
            Add("poisoned-key", 100);
            for (int i = 0; i < 50; i++)
            {
                Add("other-" + (i % 10), 100);
            }

            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return ids;
        });
        var clock = Stopwatch.StartNew();

        Drain drain = await Database.WaitForDrainAsync(good.Count + 1, clock, TimeSpan.FromSeconds(60));
        DeliveryCount count = await CountAsync(good);
        List<OutboxMessage> rows = await Database.RowsAsync();
        OutboxMessage dead = rows.Single(r => r.Id == poison);
        Report(ScenarioRow.From("7 poison message (payload 999,990 B, over message.max.bytes with headers)", count, drain,
            $"the poison: {dead.Status} after {dead.Attempts} attempt(s), error \"{dead.LastError}\"; its key's 2 later messages and 50 others flowed, in key order; written excludes the poison (kept in the table as DEAD)"));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        dead.Status.Should().Be(OutboxStatus.Dead, "a message the broker can never take is rejected, not retried");
        dead.Attempts.Should().Be(1, "it is not retried");
        dead.LastError.Should().Contain("MsgSizeTooLarge");
        count.Ids.Should().NotContain(poison);
        rows.Where(r => r.Id != poison).Should().OnlyContain(r => r.Status == OutboxStatus.Complete);
        count.KeyOrderViolations(committedOrder).Should().BeEmpty("the poison's key keeps its order: the messages after the poison follow the one before it");
        count.Duplicates.Should().Be(0);
    }
}
