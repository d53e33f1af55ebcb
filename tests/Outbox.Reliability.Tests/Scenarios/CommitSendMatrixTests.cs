using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.Storage;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>Scenario 1: the four cases of "transaction committed?" × "Kafka send succeeded?".</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class CommitSendMatrixTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const int Messages = 100;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CommittedAndSent_EveryMessageDeliveredOnceAndComplete()
    {
        await using ScenarioHost host = await StartHostAsync();

        List<Guid> written = await host.CommitManyAsync(Topic, Messages, perTransaction: 10, i => "key-" + (i % 20));
        var clock = Stopwatch.StartNew();
        Drain drain = await Database.WaitForDrainAsync(Messages, clock, DrainTimeout);

        DeliveryCount count = await CountAsync(written);
        List<OutboxMessage> rows = await Database.RowsAsync();
        Report(ScenarioRow.From("1a committed + sent", count, drain, "every row COMPLETE with 0 failed attempts"));
        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        count.Duplicates.Should().Be(0);
        rows.Should().HaveCount(Messages).And.OnlyContain(r => r.Status == OutboxStatus.Complete && r.Attempts == 0);
    }

    [Fact]
    public async Task CommittedButSendFailed_RetriedUntilDeliveredOnceBrokersAreBack()
    {
        // Short send timeout and retry delays so the failure is recorded within a second or two.
        await using ScenarioHost host = await StartHostAsync(
            o =>
            {
                o.RetryDelay = TimeSpan.FromMilliseconds(200);
                o.MaxRetryDelay = TimeSpan.FromSeconds(1);
            },
            k => k.SendTimeout = TimeSpan.FromSeconds(1));
        Kafka.SetAllBrokersDown();

        List<Guid> written = await host.CommitManyAsync(Topic, Messages, perTransaction: 10, i => "key-" + i);
        List<OutboxMessage> failed = await Database.WaitForRowsAsync(rows => rows.Count == Messages && rows.All(r => r.Attempts >= 1), TimeSpan.FromSeconds(30));
        failed.Should().OnlyContain(r => r.Attempts >= 1 && r.LastError != null && OutboxStateMachine.IsUnfinished(r.Status), "every send failed and was recorded for a retry");

        Kafka.SetAllBrokersUp();
        var clock = Stopwatch.StartNew();
        Drain drain = await Database.WaitForDrainAsync(Messages, clock, DrainTimeout);

        DeliveryCount count = await CountAsync(written);
        List<OutboxMessage> rows = await Database.RowsAsync();
        Report(ScenarioRow.From("1b committed + send failed (brokers down), delivered by retry", count, drain,
            $"every send failed first (attempts 1–{failed.Max(r => r.Attempts)}, last error \"{failed[0].LastError}\"); drain timed from brokers up; all COMPLETE, none DEAD"));
        count.Lost.Should().Be(0);
        count.Duplicates.Should().Be(0);
        rows.Should().OnlyContain(r => r.Status == OutboxStatus.Complete);
    }

    [Fact]
    public async Task RolledBackWhileBrokerWouldHaveAccepted_NoRowNoRecord()
    {
        await using ScenarioHost host = await StartHostAsync();

        List<Guid> rolledBack = await host.InScopeAsync(async (db, outbox) =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var ids = new List<Guid>();
            for (int i = 0; i < Messages; i++)
            {
                db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "rolled-back" });
                ids.Add(outbox.AddRaw(Topic, "key-" + (i % 20), [1]).Id);
            }

            await db.SaveChangesAsync();   // the rows exist inside the transaction...
            await transaction.RollbackAsync(); // ...and are gone with it
            return ids;
        });

        // A committed sentinel proves the relay was running and would have sent anything it found.
        List<Guid> sentinel = await host.CommitAsync(Topic, 10, i => "key-" + i);
        var clock = Stopwatch.StartNew();
        Drain drain = await Database.WaitForDrainAsync(sentinel.Count, clock, DrainTimeout);

        DeliveryCount count = await CountAsync(sentinel);
        List<OutboxMessage> rows = await Database.RowsAsync();
        await using TestDbContext check = Database.CreateContext();
        int orders = await check.Orders.CountAsync(o => o.Customer == "rolled-back");
        Report(ScenarioRow.From("1c rolled back + broker up (would have sent)", count, drain,
            $"{Messages} messages saved then rolled back: {rows.Count(r => rolledBack.Contains(r.Id))} rows, {count.Foreign.Count} records, {orders} business rows; written = 10 committed sentinels"));
        count.Lost.Should().Be(0);
        count.Foreign.Should().BeEmpty("no event is sent for a rolled-back transaction");
        rows.Select(r => r.Id).Should().BeEquivalentTo(sentinel);
        orders.Should().Be(0);
    }

    [Fact]
    public async Task TransactionFailedAndRolledBackWhileBrokersDown_NothingStoredNothingSent()
    {
        await using ScenarioHost host = await StartHostAsync(configureKafka: k => k.SendTimeout = TimeSpan.FromSeconds(5));
        Kafka.SetAllBrokersDown();
        await using (TestDbContext seed = Database.CreateContext())
        {
            seed.Orders.Add(new Order { Id = Guid.Parse("00000000-0000-0000-0000-00000000000d"), Customer = "existing" });
            await seed.SaveChangesAsync();
        }

        // The transaction itself fails (a duplicate key in the business table) and is rolled back.
        var staged = new List<Guid>();
        Func<Task> failingTransaction = () => host.InScopeAsync(async (db, outbox) =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            for (int i = 0; i < Messages; i++)
            {
                staged.Add(outbox.AddRaw(Topic, "key-" + (i % 20), [1]).Id);
            }

            db.Orders.Add(new Order { Id = Guid.Parse("00000000-0000-0000-0000-00000000000d"), Customer = "duplicate" });
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return 0;
        });
        await failingTransaction.Should().ThrowAsync<DbUpdateException>();
        (await Database.RowsAsync()).Should().BeEmpty("a failed transaction stores no outbox row");

        Kafka.SetAllBrokersUp();
        List<Guid> sentinel = await host.CommitAsync(Topic, 10, i => "key-" + i);
        var clock = Stopwatch.StartNew();
        Drain drain = await Database.WaitForDrainAsync(sentinel.Count, clock, DrainTimeout);

        DeliveryCount count = await CountAsync(sentinel);
        List<OutboxMessage> rows = await Database.RowsAsync();
        Report(ScenarioRow.From("1d rolled back (transaction failed) + brokers down", count, drain,
            $"{Messages} messages in a transaction that failed on a duplicate key: {rows.Count(r => staged.Contains(r.Id))} rows, {count.Foreign.Count} records; written = 10 committed sentinels after brokers came back"));
        count.Lost.Should().Be(0);
        count.Foreign.Should().BeEmpty();
        rows.Select(r => r.Id).Should().BeEquivalentTo(sentinel);
    }
}
