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
    private LogTailingFixture(TestDatabase database, KafkaMockCluster kafka, string slot)
    {
        Database = database;
        Kafka = kafka;
        Slot = slot;
    }

    public TestDatabase Database { get; }

    public KafkaMockCluster Kafka { get; }

    public string Slot { get; }

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

        return new LogTailingFixture(database, kafka, "outbox_test_" + Guid.NewGuid().ToString("N")[..12]);
    }

    /// <summary>Starts a host whose outbox uses the log-tailing relay on this fixture's slot.</summary>
    public Task<OutboxTestHost> StartHostAsync(Action<OutboxOptions>? configureOutbox = null, Action<Outbox.Kafka.OutboxKafkaOptions>? configureKafka = null, Action<PostgreSqlLogTailingOptions>? configureLog = null) =>
        OutboxTestHost.StartAsync(Database, Kafka, configureOutbox, configureKafka, configureServices: s => s.AddHealthChecks().AddOutboxLogTailingHealthCheck(), configureBuilder: b => b.UsePostgreSqlLogTailing(o =>
        {
            o.SlotName = Slot;
            o.PublicationName = Slot + "_pub";
            o.TakeoverInterval = TimeSpan.FromMilliseconds(300);
            o.LagSampleInterval = TimeSpan.FromMilliseconds(200);
            configureLog?.Invoke(o);
        }));

    /// <summary>Reads the slot's confirmed position and lag, or nulls when it does not exist.</summary>
    public async Task<(bool Active, long? LagBytes)?> ReadSlotAsync()
    {
        await using NpgsqlDataSource source = NpgsqlDataSource.Create(Database.ConnectionString);
        await using NpgsqlCommand command = source.CreateCommand("SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Slot });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)) : null;
    }

    public async ValueTask DisposeAsync()
    {
        Kafka.Dispose();
        await using (NpgsqlDataSource source = NpgsqlDataSource.Create(Database.ConnectionString))
        {
            for (int attempt = 0; attempt < 50; attempt++)
            {
                try
                {
                    await using NpgsqlCommand drop = source.CreateCommand("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1");
                    drop.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Slot });
                    await drop.ExecuteNonQueryAsync();
                    break;
                }
                catch (PostgresException ex) when (ex.SqlState == "55006")
                {
                    await Task.Delay(100); // the stopped relay's walsender is still exiting
                }
            }
        }

        await Database.DisposeAsync();
    }
}
