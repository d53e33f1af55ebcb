using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Outbox.Kafka.Testing;
using Outbox.PostgreSql;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.Servers;

namespace Outbox.EndToEnd.Tests.LogTailing;

/// <summary>
/// A test database, a mock cluster and a replication slot of the test's own (slots belong to the
/// whole server): hosts started here run the log-tailing relay on that slot. The slot is dropped
/// at the end, so the throwaway server keeps no log for it.
/// </summary>
internal sealed class LogTailingFixture : IAsyncDisposable
{
    private readonly LogSlot slot;

    private LogTailingFixture(TestDatabase database, KafkaMockCluster kafka, LogSlot slot)
    {
        Database = database;
        Kafka = kafka;
        this.slot = slot;
    }

    public TestDatabase Database { get; }

    public KafkaMockCluster Kafka { get; }

    /// <summary>Gets the slot's name (the relay creates it at start); its publication is <c>{Slot}_pub</c>.</summary>
    public string Slot => slot.Name;

    /// <summary>Creates the fixture (the first topic led by broker 1, the second by broker 2, and so on); skips the test (with the reason) when the server lacks wal_level=logical.</summary>
    public static async Task<LogTailingFixture> CreateAsync(IDatabaseServer server, params string[] topics)
    {
        TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.PostgreSql, server);
        await using (NpgsqlDataSource source = NpgsqlDataSource.Create(database.ConnectionString))
        {
            string walLevel = (string)(await source.CreateCommand("SHOW wal_level").ExecuteScalarAsync())!;
            if (walLevel != "logical")
            {
                await database.DisposeAsync();
                Skip.If(true, $"this PostgreSQL runs with wal_level={walLevel}; the log-tailing relay needs wal_level=logical (eng/postgres.sh sets it)");
            }
        }

        // Two brokers: a test can fail one topic (its leader's broker down) and keep the other.
        KafkaMockCluster kafka = KafkaMockCluster.Start(brokers: 2);
        for (int i = 0; i < topics.Length; i++)
        {
            kafka.CreateTopic(topics[i], partitions: 1, replicationFactor: 1);
            kafka.SetPartitionLeader(topics[i], 0, brokerId: (i % 2) + 1);
        }

        return new LogTailingFixture(database, kafka, LogSlot.Reserve(database.ConnectionString, "outbox_test"));
    }

    /// <summary>Starts a host whose outbox uses the log-tailing relay on this fixture's slot.</summary>
    public Task<OutboxTestHost> StartHostAsync(Action<OutboxOptions>? configureOutbox = null, Action<Outbox.Kafka.OutboxKafkaOptions>? configureKafka = null, Action<PostgreSqlLogTailingOptions>? configureLog = null) =>
        OutboxTestHost.StartAsync(Database, Kafka, configureOutbox, configureKafka, configureServices: s => s.AddHealthChecks().AddOutboxLogTailingHealthCheck(), configureBuilder: b => slot.Use(b, o =>
        {
            o.LagSampleInterval = TimeSpan.FromMilliseconds(200);
            configureLog?.Invoke(o);
        }));

    /// <summary>Reads whether the slot is streamed and its lag, or <see langword="null"/> when it does not exist.</summary>
    public Task<(bool Active, long? LagBytes)?> ReadSlotAsync() => slot.ReadAsync();

    public async ValueTask DisposeAsync()
    {
        Kafka.Dispose();
        await slot.DisposeAsync();
        await Database.DisposeAsync();
    }
}
