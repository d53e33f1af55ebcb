using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Outbox.PostgreSql;
using Outbox.PostgreSql.Health;
using Outbox.PostgreSql.Relay;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.Kafka;
using Outbox.TestSupport.PostgreSql;

namespace Outbox.EndToEnd.Tests.LogTailing;

/// <summary>
/// The log-tailing relay (<c>UsePostgreSqlLogTailing</c>) on PostgreSQL with wal_level=logical and
/// the Kafka mock cluster: events written as logical decoding messages by the application's own
/// SaveChanges (no outbox row), streamed in commit order, one streamer per slot with takeover, a
/// failing topic that does not hold the others back, and DEAD messages kept in the table.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class LogTailingRelayTests(PostgreSqlServer postgres) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string topic = "log-orders-" + Guid.NewGuid().ToString("N")[..8]; // led by broker 1
    private readonly string other = "log-other-" + Guid.NewGuid().ToString("N")[..8];  // led by broker 2
    private LogTailingFixture fixture = null!;

    public async Task InitializeAsync() => fixture = await LogTailingFixture.CreateAsync(postgres, topic, other);

    public async Task DisposeAsync()
    {
        if (fixture is not null)
        {
            await fixture.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task EverySaveShape_SendsItsEvents_RolledBackSendsNothing_NoOutboxRowIsWritten()
    {
        await using OutboxTestHost host = await fixture.StartHostAsync();
        var expected = new List<Guid>();
        Guid seat = Guid.NewGuid();

        // A business row and an event, one save (no explicit transaction): one command carries both.
        expected.Add(await host.InScopeAsync(async (db, outbox) =>
        {
            db.Orders.Add(new Order { Id = seat, Customer = "ada", Amount = 1 });
            Guid id = outbox.Add(topic, "seat", new OrderPlaced(seat, "ada", 1)).Id;
            await db.SaveChangesAsync();
            return id;
        }));

        // An update only (no RETURNING, rows affected checked), then an event with no business change at all.
        expected.Add(await host.InScopeAsync(async (db, outbox) =>
        {
            Order order = await db.Orders.SingleAsync(o => o.Id == seat);
            order.Amount = 2;
            Guid id = outbox.Add(topic, "seat", new OrderPlaced(seat, "ada", 2)).Id;
            await db.SaveChangesAsync();
            return id;
        }));
        expected.Add(await host.InScopeAsync(async (_, outbox) =>
        {
            Guid id = outbox.AddRaw(topic, "seat", [3]).Id;
            await _.SaveChangesAsync();
            return id;
        }));

        // Two saves in an explicit transaction, synchronous API.
        expected.AddRange(await host.InScopeAsync((db, outbox) =>
        {
            using IDbContextTransaction transaction = db.Database.BeginTransaction();
            Guid first = outbox.AddRaw(topic, "seat", [4]).Id;
            db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "bob", Amount = 4 });
            db.SaveChanges();
            Guid second = outbox.AddRaw(topic, "seat", [5]).Id;
            db.SaveChanges();
            transaction.Commit();
            return Task.FromResult(new[] { first, second });
        }));

        // Rolled back: neither the row nor the event.
        await host.InScopeAsync(async (db, outbox) =>
        {
            await using IDbContextTransaction transaction = await db.Database.BeginTransactionAsync();
            outbox.AddRaw(topic, "seat", [6]);
            db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "rolled-back", Amount = 6 });
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
            return 0;
        });
        expected.Add(await host.InScopeAsync(async (db, outbox) =>
        {
            Guid id = outbox.AddRaw(topic, "seat", [7]).Id;
            await db.SaveChangesAsync();
            return id;
        }));

        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(fixture.Kafka.BootstrapServers, topic, expected.Count + 1, TimeSpan.FromSeconds(10));
        records.Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId])).Should().Equal(expected, "commit order, nothing of the rolled-back transaction");
        records[0].Headers[OutboxHeaderNames.MessageType].Should().Be(nameof(OrderPlaced));
        records[0].Key.Should().Be("seat");
        (await host.ReadRowsAsync()).Should().BeEmpty("events go to the log, not the outbox table");
        (await host.InScopeAsync((db, _) => db.Orders.CountAsync(o => o.Customer == "rolled-back"))).Should().Be(0);
    }

    [SkippableFact]
    public async Task TwoConflictingTransactions_TheEventsArriveInCommitOrder()
    {
        await using OutboxTestHost host = await fixture.StartHostAsync();
        Guid seat = Guid.NewGuid();
        await host.InScopeAsync(async (db, _) =>
        {
            db.Orders.Add(new Order { Id = seat, Customer = "seat", Amount = 0 });
            return await db.SaveChangesAsync();
        });

        await using AsyncServiceScope firstScope = host.Services.CreateAsyncScope();
        await using AsyncServiceScope secondScope = host.Services.CreateAsyncScope();
        TestDbContext firstDb = firstScope.ServiceProvider.GetRequiredService<TestDbContext>();
        TestDbContext secondDb = secondScope.ServiceProvider.GetRequiredService<TestDbContext>();
        IOutbox firstOutbox = firstScope.ServiceProvider.GetRequiredService<IOutbox>();
        IOutbox secondOutbox = secondScope.ServiceProvider.GetRequiredService<IOutbox>();

        // The second to commit writes its event first, then waits for the seat the other holds.
        await using IDbContextTransaction secondTx = await secondDb.Database.BeginTransactionAsync();
        await secondDb.Database.ExecuteSqlRawAsync("UPDATE orders SET \"Amount\" = 2 WHERE \"Id\" = {0}", seat);
        await using IDbContextTransaction firstTx = await firstDb.Database.BeginTransactionAsync();
        Guid writtenFirst = firstOutbox.AddRaw(topic, "seat", [1]).Id;
        await firstDb.SaveChangesAsync();
        Task waits = firstDb.Database.ExecuteSqlRawAsync("UPDATE orders SET \"Amount\" = 1 WHERE \"Id\" = {0}", seat);
        Guid writtenSecond = secondOutbox.AddRaw(topic, "seat", [2]).Id;
        await secondDb.SaveChangesAsync();
        await secondTx.CommitAsync();
        await waits;
        await firstTx.CommitAsync();

        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(fixture.Kafka.BootstrapServers, topic, 2, Timeout);
        records.Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId])).Should().Equal([writtenSecond, writtenFirst], "the log hands out transactions in commit order, whoever wrote first");
    }

    [SkippableFact]
    public async Task ASecondInstance_StandsBy_AndTakesOverWhenTheFirstStops()
    {
        OutboxTestHost first = await fixture.StartHostAsync(o => o.RelayName = "first");
        await WaitForRoleAsync(first, LogTailingRole.Streaming);
        await using OutboxTestHost second = await fixture.StartHostAsync(o => o.RelayName = "second");
        await WaitForRoleAsync(second, LogTailingRole.Standby);

        Guid before = await StageAsync(second, topic, "k", [1]); // written through either host: one log
        (await KafkaTopicReader.ReadAsync(fixture.Kafka.BootstrapServers, topic, 1, Timeout)).Should().ContainSingle();
        await first.DisposeAsync();
        await WaitForRoleAsync(second, LogTailingRole.Streaming);
        Guid after = await StageAsync(second, topic, "k", [2]);

        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(fixture.Kafka.BootstrapServers, topic, 3, TimeSpan.FromSeconds(10));
        records.Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId])).Should().Equal([before, after], "the first confirmed what it sent before it stopped; the second sent the rest");
        HealthReport health = await second.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        health.Status.Should().Be(HealthStatus.Healthy);
        health.Entries["outbox-log-tailing"].Data["role"].Should().Be("Streaming");
    }

    [SkippableFact]
    public async Task AFailingTopic_DoesNotHoldTheOtherTopicBack_AndIsSentInOrderOnceItRecovers()
    {
        await using OutboxTestHost host = await fixture.StartHostAsync(
            o => o.RetryDelay = TimeSpan.FromMilliseconds(500),
            k => k.SendTimeout = TimeSpan.FromSeconds(2));
        await WaitForRoleAsync(host, LogTailingRole.Streaming);
        fixture.Kafka.SetBrokerDown(1); // the topic's leader

        Guid failing1 = await StageAsync(host, topic, "a", [1]);
        Guid healthy1 = await StageAsync(host, other, "b", [1]);
        Guid failing2 = await StageAsync(host, topic, "a", [2]);
        Guid healthy2 = await StageAsync(host, other, "b", [2]);

        // The first send with the failing topic in it takes its send timeout (2 s); after that the other topic goes on at once.
        IReadOnlyList<KafkaRecord> healthy = await KafkaTopicReader.ReadAsync(fixture.Kafka.BootstrapServers, other, 2, TimeSpan.FromSeconds(8));
        healthy.Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId])).Should().Equal([healthy1, healthy2]);
        Guid healthy3 = await StageAsync(host, other, "b", [3]);
        (await KafkaTopicReader.ReadAsync(fixture.Kafka.BootstrapServers, other, 3, TimeSpan.FromSeconds(2))).Should().HaveCount(3, "a topic in retry no longer shares a send with healthy ones");
        (await fixture.ReadSlotAsync())!.Value.LagBytes.Should().BeGreaterThan(0, "the slot is not confirmed past the unsent messages");

        fixture.Kafka.SetBrokerUp(1);
        IReadOnlyList<KafkaRecord> recovered = await KafkaTopicReader.ReadAsync(fixture.Kafka.BootstrapServers, topic, 2, Timeout);
        recovered.Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId])).Should().Equal([failing1, failing2], "retried in order, the key's second message never ahead of its first, none sent while its broker was down");
        healthy3.Should().NotBeEmpty();
    }

    [SkippableFact]
    public async Task AMessageThatKeepsFailing_GoesDeadIntoTheTable_TheStreamGoesOn_ARequeueSendsIt()
    {
        await using OutboxTestHost host = await fixture.StartHostAsync(
            o =>
            {
                o.RetryDelay = TimeSpan.FromMilliseconds(200);
                o.MaxAttempts = 2;
            },
            k => k.SendTimeout = TimeSpan.FromSeconds(1));
        await WaitForRoleAsync(host, LogTailingRole.Streaming);
        fixture.Kafka.SetBrokerDown(1);

        Guid poison = await StageAsync(host, topic, "p", [9]);
        List<OutboxMessage> rows = await host.WaitForRowsAsync(r => r.Count == 1, Timeout);
        rows.Should().ContainSingle().Which.Should().Match<OutboxMessage>(m => m.Id == poison && m.Status == OutboxStatus.Dead && m.Attempts == 2 && m.LastError != null);
        Guid next = await StageAsync(host, other, "q", [1]);
        (await KafkaTopicReader.ReadAsync(fixture.Kafka.BootstrapServers, other, 1, Timeout)).Single().Headers[OutboxHeaderNames.MessageId].Should().Be(next.ToString());

        fixture.Kafka.SetBrokerUp(1);
        await using (AsyncServiceScope scope = host.Services.CreateAsyncScope())
        {
            (await scope.ServiceProvider.GetRequiredService<IOutboxAdmin>().RequeueAsync([poison])).Should().Be(1);
        }

        (await KafkaTopicReader.ReadAsync(fixture.Kafka.BootstrapServers, topic, 1, Timeout)).Single().Headers[OutboxHeaderNames.MessageId].Should().Be(poison.ToString(), "the polling relay sends requeued rows");
        (await host.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Complete), Timeout)).Should().ContainSingle().Which.Status.Should().Be(OutboxStatus.Complete);
    }

    [SkippableFact]
    public async Task SetUp_WithoutTheRightToCreate_FailsWithTheSqlToRun()
    {
        var options = new PostgreSqlLogTailingOptions { SlotName = fixture.Slot, PublicationName = fixture.Slot + "_pub", CreateIfMissing = false };
        await using NpgsqlDataSource source = NpgsqlDataSource.Create(fixture.Database.ConnectionString);
        Func<Task> ensure = () => ReplicationSetUp.EnsureAsync(source, options, CancellationToken.None);
        (await ensure.Should().ThrowAsync<LogTailingSetUpException>()).Which.Message.Should()
            .Contain($"CREATE PUBLICATION {options.PublicationName}").And.Contain($"pg_create_logical_replication_slot('{options.SlotName}', 'pgoutput')");

        options.CreateIfMissing = true;
        await ReplicationSetUp.EnsureAsync(source, options, CancellationToken.None);
        await ReplicationSetUp.EnsureAsync(source, options, CancellationToken.None); // idempotent
        (await fixture.ReadSlotAsync()).Should().NotBeNull();
    }

    [SkippableFact]
    public async Task SavingEvents_BeforeTheSlotExists_ThrowsAndSavesNothing_OnceItExistsTheSaveGoesThrough()
    {
        // The relay off: nothing creates the slot.
        await using OutboxTestHost host = await fixture.StartHostAsync(o => o.EnableRelay = false);
        Guid order = Guid.NewGuid();
        Func<Task> save = () => host.InScopeAsync(async (db, outbox) =>
        {
            db.Orders.Add(new Order { Id = order, Customer = "early", Amount = 1 });
            outbox.AddRaw(topic, "k", [1]);
            return await db.SaveChangesAsync();
        });

        (await save.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should()
            .Contain(fixture.Slot).And.Contain("pg_create_logical_replication_slot");
        (await host.InScopeAsync((db, _) => db.Orders.CountAsync(o => o.Id == order))).Should().Be(0, "the business row is not saved without its event");

        await using (NpgsqlDataSource source = NpgsqlDataSource.Create(fixture.Database.ConnectionString))
        {
            await ReplicationSetUp.EnsureAsync(source, new PostgreSqlLogTailingOptions { SlotName = fixture.Slot, PublicationName = fixture.Slot + "_pub" }, CancellationToken.None);
        }

        await save();
        (await host.InScopeAsync((db, _) => db.Orders.CountAsync(o => o.Id == order))).Should().Be(1);
    }

    private static async Task<Guid> StageAsync(OutboxTestHost host, string topic, string key, byte[] payload) =>
        await host.InScopeAsync(async (db, outbox) =>
        {
            Guid id = outbox.AddRaw(topic, key, payload).Id;
            await db.SaveChangesAsync();
            return id;
        });

    private static async Task WaitForRoleAsync(OutboxTestHost host, LogTailingRole role)
    {
        LogTailingState state = host.Services.GetRequiredService<LogTailingState>();
        DateTime deadline = DateTime.UtcNow + Timeout;
        while (state.Role != role)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The relay stayed {state.Role} (last failure: {state.LastFailure}), not {role}.");
            }

            await Task.Delay(50);
        }
    }
}
