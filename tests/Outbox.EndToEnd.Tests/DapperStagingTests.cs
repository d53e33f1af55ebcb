using System.Data.Common;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Outbox.EntityFrameworkCore;
using Outbox.Kafka.Testing;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.Kafka;
using Outbox.TestSupport.PostgreSql;
using Outbox.TestSupport.Servers;
using Outbox.TestSupport.SqlServer;

namespace Outbox.EndToEnd.Tests;

/// <summary>
/// Writes made with Dapper (Npgsql, Microsoft.Data.Sqlite; SqlClient where a SQL Server runs) on a connection of the application's own (no DbContext in the write):
/// <see cref="IDbTransactionOutbox"/> inserts the message in that transaction; the hosted relay
/// sends it over the Kafka protocol once the transaction commits, and never when it rolls back.
/// </summary>
public abstract class DapperStagingTests(DatabaseKind kind, IDatabaseServer? server) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string topic = "orders-" + Guid.NewGuid().ToString("N")[..8];
    private TestDatabase database = null!;
    private KafkaMockCluster kafka = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync(kind, server); // skips the test when the server is missing
        kafka = KafkaMockCluster.Start(brokers: 1);
        kafka.CreateTopic(topic, partitions: 1, replicationFactor: 1);
    }

    public async Task DisposeAsync()
    {
        kafka?.Dispose();
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task CommitAsync_WakesTheRelay_TheMessageArrivesLongBeforeThePoll()
    {
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka, o => o.PollingInterval = TimeSpan.FromMinutes(10));
        await Task.Delay(TimeSpan.FromSeconds(1)); // the relay's first pass (at start) has found nothing

        OutboxStagedMessage staged = await InTransactionAsync(host, async (connection, transaction, outbox) =>
        {
            await connection.ExecuteAsync("INSERT INTO orders (\"Id\", \"Customer\", \"Amount\") VALUES (@Id, @Customer, @Amount)", new { Id = NewId(), Customer = "ada", Amount = 42m }, transaction);
            OutboxStagedMessage message = await outbox.AddAsync(transaction, topic, "order-1", new OrderPlaced(Guid.NewGuid(), "ada", 42));
            await outbox.CommitAsync(transaction);
            return message;
        });

        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 1, Timeout);
        records.Should().ContainSingle().Which.Headers[OutboxHeaderNames.MessageId].Should().Be(staged.Id.ToString());
        records[0].Key.Should().Be("order-1");
        records[0].Headers[OutboxHeaderNames.MessageType].Should().Be(nameof(OrderPlaced));
        (await host.WaitForRowsAsync(rows => rows.All(r => r.Status == OutboxStatus.Complete), Timeout)).Should().ContainSingle();
    }

    [SkippableFact]
    public async Task RolledBack_LeavesNoRowAndSendsNothing_CommittedDirectlyArrivesByPolling()
    {
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka); // polls every 200 ms

        await InTransactionAsync(host, async (connection, transaction, outbox) =>
        {
            await connection.ExecuteAsync("INSERT INTO orders (\"Id\", \"Customer\", \"Amount\") VALUES (@Id, @Customer, @Amount)", new { Id = NewId(), Customer = "rolled-back", Amount = 1m }, transaction);
            await outbox.AddRawAsync(transaction, topic, "order-2", [1, 2, 3], "Raw");
            await transaction.RollbackAsync();
            return 0;
        });
        OutboxStagedMessage committed = await InTransactionAsync(host, async (connection, transaction, outbox) =>
        {
            OutboxStagedMessage message = await outbox.AddRawAsync(transaction, topic, "order-3", [4, 5, 6], "Raw");
            await transaction.CommitAsync(); // not through the outbox: the next poll finds it
            return message;
        });

        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 1, Timeout);
        records.Should().ContainSingle().Which.Headers[OutboxHeaderNames.MessageId].Should().Be(committed.Id.ToString());
        records[0].Value.Should().Equal(4, 5, 6);
        List<OutboxMessage> rows = await host.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Complete), Timeout);
        rows.Select(r => r.Id).Should().Equal(committed.Id);
        await using DbConnection check = await OpenAsync();
        (await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM orders WHERE \"Customer\" = 'rolled-back'")).Should().Be(0);
    }

    [SkippableFact]
    public async Task BadInput_ThrowsAtTheCallNamingTheParameter_TheTransactionGoesOn()
    {
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka);

        OutboxStagedMessage good = await InTransactionAsync(host, async (connection, transaction, outbox) =>
        {
            Func<Task> longKey = () => outbox.AddRawAsync(transaction, topic, new string('k', 451), [1]);
            (await longKey.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("key");
            Func<Task> badTopic = () => outbox.AddRawAsync(transaction, "no spaces allowed", null, [1]);
            (await badTopic.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("topic");
            OutboxStagedMessage message = await outbox.AddRawAsync(transaction, topic, "fine", [7]);
            await outbox.CommitAsync(transaction);
            Func<Task> ended = () => outbox.AddRawAsync(transaction, topic, "late", [8]);
            (await ended.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("transaction");
            return message;
        });

        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 1, Timeout);
        records.Should().ContainSingle().Which.Headers[OutboxHeaderNames.MessageId].Should().Be(good.Id.ToString());
        (await host.ReadRowsAsync()).Should().ContainSingle("the refused messages left nothing behind");
    }

    private async Task<T> InTransactionAsync<T>(OutboxTestHost host, Func<DbConnection, DbTransaction, IDbTransactionOutbox, Task<T>> work)
    {
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        IDbTransactionOutbox outbox = scope.ServiceProvider.GetRequiredService<IDbTransactionOutbox>();
        await using DbConnection connection = await OpenAsync();
        await using DbTransaction transaction = await connection.BeginTransactionAsync();
        return await work(connection, transaction, outbox);
    }

    private async Task<DbConnection> OpenAsync()
    {
        DbConnection connection = kind switch
        {
            DatabaseKind.PostgreSql => new NpgsqlConnection(database.ConnectionString),
            DatabaseKind.SqlServer => new SqlConnection(database.ConnectionString),
            _ => new SqliteConnection(database.ConnectionString),
        };
        await connection.OpenAsync();
        return connection;
    }

    // SQLite holds EF Core's GUIDs as upper-case text; Dapper would bind a Guid as a blob.
    private object NewId() => kind == DatabaseKind.Sqlite ? Guid.NewGuid().ToString().ToUpperInvariant() : Guid.NewGuid();
}

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlDapperStagingTests(PostgreSqlServer postgres) : DapperStagingTests(DatabaseKind.PostgreSql, postgres);

public sealed class SqliteDapperStagingTests() : DapperStagingTests(DatabaseKind.Sqlite, null);

[Collection(SqlServerCollection.Name)]
public sealed class SqlServerDapperStagingTests(SqlServerServer server) : DapperStagingTests(DatabaseKind.SqlServer, server);
