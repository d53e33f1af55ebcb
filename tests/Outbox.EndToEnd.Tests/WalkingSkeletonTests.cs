using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Outbox.Kafka;
using Outbox.Kafka.Testing;
using Outbox.Storage;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.Kafka;
using Outbox.TestSupport.PostgreSql;
using Outbox.TestSupport.Servers;
using Outbox.TestSupport.SqlServer;

namespace Outbox.EndToEnd.Tests;

/// <summary>
/// The whole path: an application's transaction writes business rows and events, the hosted
/// relay sends them over the Kafka protocol (librdkafka's mock cluster), a real consumer reads
/// them back. Runs on PostgreSQL, SQL Server and SQLite (the mock cluster throughout: some tests take
/// its brokers down).
/// </summary>
public abstract class WalkingSkeletonTests(DatabaseKind kind, IDatabaseServer? server) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string topic = "orders-" + Guid.NewGuid().ToString("N")[..8];
    private TestDatabase database = null!;
    private KafkaMockCluster kafka = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync(kind, server); // skips the test when the server is missing
        kafka = KafkaMockCluster.Start(brokers: 3);
        kafka.CreateTopic(topic, partitions: 3, replicationFactor: 3);
    }

    public async Task DisposeAsync()
    {
        // Either is null when the server was missing and the test skipped.
        kafka?.Dispose();
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task CommittedTransactionWithThreeEvents_ArriveWithKeyHeadersAndPayload_RowsComplete()
    {
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka);
        var orderId = Guid.NewGuid();
        var headers = new Dictionary<string, string> { ["tenant"] = "acme" };

        List<OutboxMessage> written = await host.InScopeAsync(async (db, outbox) =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Id = orderId, Customer = "ada", Amount = 42 });
            var messages = new List<OutboxStagedMessage>
            {
                outbox.Add(topic, orderId.ToString(), new OrderPlaced(orderId, "ada", 42), headers),
                outbox.Add(topic, orderId.ToString(), new OrderPlaced(orderId, "ada", 43), headers),
                outbox.Add(topic, "other-key", new OrderPlaced(Guid.NewGuid(), "bob", 7), headers),
            };
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return messages.ConvertAll(m => db.Set<OutboxMessage>().Find(m.Id)!); // the rows as saved
        });

        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 3, Timeout);

        records.Should().HaveCount(3);
        foreach (OutboxMessage message in written)
        {
            KafkaRecord record = records.Single(r => r.Headers[OutboxHeaderNames.MessageId] == message.Id.ToString());
            record.Key.Should().Be(message.Key);
            record.Headers[OutboxHeaderNames.MessageType].Should().Be(nameof(OrderPlaced));
            record.Headers["tenant"].Should().Be("acme");
            JsonSerializer.Deserialize<OrderPlaced>(record.Value, JsonSerializerOptions.Web).Should().Be(
                JsonSerializer.Deserialize<OrderPlaced>(message.Payload, JsonSerializerOptions.Web));
        }

        records.Where(r => r.Key == orderId.ToString()).Select(r => r.Headers[OutboxHeaderNames.MessageId])
            .Should().Equal(written.Take(2).Select(m => m.Id.ToString()), "messages of one key keep their order");
        List<OutboxMessage> rows = await host.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Complete), Timeout);
        rows.Should().HaveCount(3).And.OnlyContain(m => m.Status == OutboxStatus.Complete && m.CompletedAt != null && m.Attempts == 0);
    }

    [SkippableFact]
    public async Task RolledBackTransaction_LeavesNoRowAndSendsNothing()
    {
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka);

        await host.InScopeAsync(async (db, outbox) =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "rolled-back" });
            outbox.Add(topic, "k", new OrderPlaced(Guid.NewGuid(), "rolled-back", 1));
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
            return 0;
        });

        // A later committed event proves the relay was running; only it may arrive.
        OutboxStagedMessage sentinel = await host.InScopeAsync(async (db, outbox) =>
        {
            OutboxStagedMessage message = outbox.Add(topic, "k", new OrderPlaced(Guid.NewGuid(), "committed", 2));
            await db.SaveChangesAsync();
            return message;
        });

        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 2, TimeSpan.FromSeconds(5));
        records.Select(r => r.Headers[OutboxHeaderNames.MessageId]).Should().Equal(sentinel.Id.ToString());
        (await host.ReadRowsAsync()).Select(r => r.Id).Should().Equal(sentinel.Id);
        await using TestDbContext check = database.CreateContext();
        (await check.Orders.AnyAsync(o => o.Customer == "rolled-back")).Should().BeFalse();
    }

    [SkippableFact]
    public async Task TransactionDisposedWithoutCommit_DirectSend_ItsMessageIsNeverSentWhenTheContextCommitsAnother()
    {
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka, o => o.DirectSend = true);

        OutboxStagedMessage committed = await host.InScopeAsync(async (db, outbox) =>
        {
            await using (await db.Database.BeginTransactionAsync())
            {
                outbox.Add(topic, "k", new OrderPlaced(Guid.NewGuid(), "disposed", 1));
                await db.SaveChangesAsync(); // written owned by this relay, inside the transaction
            } // disposed without Commit or Rollback: the database rolls it back, no interceptor hears of it

            db.ChangeTracker.Clear();
            await using var next = await db.Database.BeginTransactionAsync();
            OutboxStagedMessage message = outbox.Add(topic, "k", new OrderPlaced(Guid.NewGuid(), "committed", 2));
            await db.SaveChangesAsync();
            await next.CommitAsync();
            return message;
        });

        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 2, TimeSpan.FromSeconds(5));
        records.Select(r => r.Headers[OutboxHeaderNames.MessageId]).Should().Equal(committed.Id.ToString());
        (await host.ReadRowsAsync()).Select(r => r.Id).Should().Equal(committed.Id);
    }

    [SkippableFact]
    public async Task BrokersDownAtCommit_RowsStayInitCountingAttempts_EveryMessageArrivesOnceBrokersAreUp()
    {
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(
            database,
            kafka,
            o =>
            {
                o.RetryDelay = TimeSpan.FromMilliseconds(200);
                o.MaxRetryDelay = TimeSpan.FromMilliseconds(500);
            },
            k => k.SendTimeout = TimeSpan.FromSeconds(1));
        kafka.SetAllBrokersDown();

        List<Guid> written = await host.InScopeAsync(async (db, outbox) =>
        {
            var ids = Enumerable.Range(0, 5).Select(i => outbox.Add(topic, "k" + (i % 2), new OrderPlaced(Guid.NewGuid(), "c", i)).Id).ToList();
            await db.SaveChangesAsync();
            return ids;
        });

        // Per-key order: only the oldest message of each of the two keys is tried; the others wait behind it.
        List<OutboxMessage> failing = await host.WaitForRowsAsync(r => r.Count(m => m.Attempts >= 2) == 2, Timeout);
        failing.Where(m => m.Attempts >= 2).Select(m => m.Id).Should().Equal(written[0], written[1]);
        failing.Should().OnlyContain(m => OutboxStateMachine.IsUnfinished(m.Status));
        failing.Where(m => m.Attempts > 0).Should().OnlyContain(m => m.LastError != null);

        kafka.SetAllBrokersUp();

        List<OutboxMessage> rows = await host.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Complete), Timeout);
        rows.Should().OnlyContain(m => m.Status == OutboxStatus.Complete);
        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, written.Count, Timeout);
        records.Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId])).Distinct().Should().BeEquivalentTo(written, "none is lost");
    }

    [SkippableFact]
    public async Task BadInput_ThrowsAtTheCallNamingTheParameter_TheRestOfTheTransactionIsDelivered()
    {
        // The producer takes 2,048-byte messages; IOutbox refuses what it could not send.
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka, configureKafka: k => k.Producer.MessageMaxBytes = 2048);

        OutboxStagedMessage good = await host.InScopeAsync(async (db, outbox) =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "kept" });
            OutboxStagedMessage message = outbox.Add(topic, "k", new OrderPlaced(Guid.NewGuid(), "kept", 1));

            outbox.Invoking(o => o.Add("", "k", new OrderPlaced(Guid.NewGuid(), "x", 1))).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("topic");
            outbox.Invoking(o => o.Add("bad/topic", "k", new OrderPlaced(Guid.NewGuid(), "x", 1))).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("topic");
            outbox.Invoking(o => o.Add<OrderPlaced?>(topic, "k", null)).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("payload");
            outbox.Invoking(o => o.AddRaw(topic, "k", new byte[1800])).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("payload");
            outbox.Invoking(o => o.AddRaw(topic, "k\0", [1])).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("key");

            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return message;
        });

        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 2, TimeSpan.FromSeconds(5));
        records.Select(r => r.Headers[OutboxHeaderNames.MessageId]).Should().Equal(good.Id.ToString());
        (await host.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Complete), Timeout)).Should().ContainSingle(m => m.Status == OutboxStatus.Complete);
    }

    [SkippableFact]
    public async Task ConfirmationConsumerMode_MessagesStayPublishUntilTheConsumerGroupReadsThemBack()
    {
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka, configureKafka: k =>
        {
            k.ConfirmationMode = Outbox.Kafka.KafkaConfirmationMode.Consumer;
            k.ConfirmationTopics.Add(topic);
            k.Consumer.FetchWaitMaxMs = 10;
        });

        List<Guid> written = await host.InScopeAsync(async (db, outbox) =>
        {
            outbox.Invoking(o => o.Add("not-read-back", "k", new OrderPlaced(Guid.NewGuid(), "c", 0)))
                .Should().Throw<ArgumentException>("the confirmation consumer would never read it back").Which.ParamName.Should().Be("topic");
            var ids = Enumerable.Range(0, 3).Select(i => outbox.Add(topic, "k" + i, new OrderPlaced(Guid.NewGuid(), "c", i)).Id).ToList();
            await db.SaveChangesAsync();
            return ids;
        });

        List<OutboxMessage> rows = await host.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Complete), Timeout);
        rows.Should().OnlyContain(m => m.Status == OutboxStatus.Complete && m.Attempts == 0 && m.LeaseOwner == null);
        rows.Select(m => m.Id).Should().BeEquivalentTo(written);
        (await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 3, Timeout)).Should().HaveCount(3);
    }

    [SkippableFact]
    public async Task CommitWakesTheRelay_MessageArrivesLongBeforeThePollingInterval()
    {
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka, o => o.PollingInterval = TimeSpan.FromMinutes(5));
        await Task.Delay(300); // let the relay finish its first (empty) pass and go to sleep

        OutboxStagedMessage message = await host.InScopeAsync(async (db, outbox) =>
        {
            OutboxStagedMessage m = outbox.Add(topic, "k", new OrderPlaced(Guid.NewGuid(), "fast", 1));
            await db.SaveChangesAsync();
            return m;
        });

        // Without the after-commit wake-up the relay would sleep for 5 minutes.
        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 1, TimeSpan.FromSeconds(20));
        records.Select(r => r.Headers[OutboxHeaderNames.MessageId]).Should().Equal(message.Id.ToString());
    }

    [SkippableTheory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task FirstMessageAfterStart_SavedOrCommittedInATransaction_DoesNotWaitForThePoll(bool directSend, bool transaction)
    {
        // Written the moment the host has started: no pause for the relay's first pass.
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka, o =>
        {
            o.PollingInterval = TimeSpan.FromMinutes(5);
            o.DirectSend = directSend;
        });

        OutboxStagedMessage message = await host.InScopeAsync(async (db, outbox) =>
        {
            await using Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? tx = transaction ? await db.Database.BeginTransactionAsync() : null;
            OutboxStagedMessage m = outbox.Add(topic, "first", new OrderPlaced(Guid.NewGuid(), "first", 1));
            await db.SaveChangesAsync();
            if (tx is not null)
            {
                await tx.CommitAsync();
            }

            return m;
        });

        // The poll would come after 5 minutes: only the wake-up after the commit (or the direct send) delivers it in time.
        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 1, TimeSpan.FromSeconds(30));
        records.Select(r => r.Headers[OutboxHeaderNames.MessageId]).Should().Equal(message.Id.ToString());
    }
}

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlWalkingSkeletonTests(PostgreSqlServer postgres) : WalkingSkeletonTests(DatabaseKind.PostgreSql, postgres);

public sealed class SqliteWalkingSkeletonTests() : WalkingSkeletonTests(DatabaseKind.Sqlite, null);

[Collection(SqlServerCollection.Name)]
public sealed class SqlServerWalkingSkeletonTests(SqlServerServer server) : WalkingSkeletonTests(DatabaseKind.SqlServer, server);
