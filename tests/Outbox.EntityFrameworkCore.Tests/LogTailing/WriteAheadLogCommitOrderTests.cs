using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;

namespace Outbox.EntityFrameworkCore.Tests.LogTailing;

/// <summary>
/// The property the log-tailing relay (issue #19) rests on, checked on this PostgreSQL with
/// Npgsql's logical replication API (pgoutput): the write-ahead log hands out transactions in
/// commit order, even where the outbox positions (taken at insert) say the opposite. Two
/// transactions update one business row; the one that inserted its outbox row first waits for the
/// other's row lock and commits second. The polling relay sends by position (README, Guarantees:
/// "may go first although it commits second"); the log gives the commit order.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class WriteAheadLogCommitOrderTests(PostgreSqlServer postgres) : IAsyncLifetime
{
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync(DatabaseKind.PostgreSql, postgres);

    public async Task DisposeAsync()
    {
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task TwoTransactionsOnOneRow_TheLogGivesCommitOrderWherePositionsGiveInsertOrder()
    {
        await using NpgsqlDataSource source = NpgsqlDataSource.Create(database.ConnectionString);
        string walLevel = (string)(await source.CreateCommand("SHOW wal_level").ExecuteScalarAsync())!;
        Skip.If(walLevel != "logical", $"this PostgreSQL runs with wal_level={walLevel}; logical decoding needs wal_level=logical (eng/postgres.sh sets it)");

        string slot = "outbox_spike_" + Guid.NewGuid().ToString("N")[..8];
        Guid seat = Guid.NewGuid();
        await Execute(source, $"CREATE PUBLICATION {slot} FOR TABLE outbox_messages");
        await Execute(source, $"INSERT INTO orders (\"Id\", \"Amount\", \"Customer\") VALUES ('{seat}', 0, 'seat')");
        await using var replication = new LogicalReplicationConnection(database.ConnectionString);
        await replication.Open();
        PgOutputReplicationSlot replicationSlot = await replication.CreatePgOutputReplicationSlot(slot, temporarySlot: true, slotSnapshotInitMode: LogicalSlotSnapshotInitMode.NoExport);

        // Second-to-commit: inserts its outbox row first (the lower position), then waits for the seat's lock.
        await using NpgsqlConnection first = await source.OpenConnectionAsync();
        await using NpgsqlConnection second = await source.OpenConnectionAsync();
        await using NpgsqlTransaction secondTx = await second.BeginTransactionAsync();
        await Execute(second, secondTx, $"UPDATE orders SET \"Amount\" = 2 WHERE \"Id\" = '{seat}'");
        await using NpgsqlTransaction firstTx = await first.BeginTransactionAsync();
        Guid insertedFirst = await InsertOutboxRowAsync(first, firstTx);
        Task firstWaits = Execute(first, firstTx, $"UPDATE orders SET \"Amount\" = 1 WHERE \"Id\" = '{seat}'");
        Guid insertedSecond = await InsertOutboxRowAsync(second, secondTx);
        await secondTx.CommitAsync(); // commits first
        await firstWaits;
        await firstTx.CommitAsync();  // commits second

        List<Guid> byPosition = [];
        await using (NpgsqlCommand positions = source.CreateCommand("SELECT id FROM outbox_messages ORDER BY seq"))
        await using (NpgsqlDataReader reader = await positions.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                byPosition.Add(reader.GetGuid(0));
            }
        }

        List<Guid> byLog = await ReadInsertedIdsAsync(replication, replicationSlot, slot, count: 2);

        byPosition.Should().Equal([insertedFirst, insertedSecond], "positions are taken at insert");
        byLog.Should().Equal([insertedSecond, insertedFirst], "the log hands out transactions in commit order");
    }

    private static async Task<List<Guid>> ReadInsertedIdsAsync(LogicalReplicationConnection replication, PgOutputReplicationSlot slot, string publication, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ids = new List<Guid>();
        var options = new PgOutputReplicationOptions(publication, PgOutputProtocolVersion.V1);
        await foreach (PgOutputReplicationMessage message in replication.StartReplication(slot, options, timeout.Token))
        {
            if (message is InsertMessage insert)
            {
                await foreach (ReplicationValue value in insert.NewRow)
                {
                    if (value.GetFieldName() == "id")
                    {
                        ids.Add(Guid.Parse(await value.Get<string>(timeout.Token)));
                    }
                }
            }

            replication.SetReplicationStatus(message.WalEnd);
            if (ids.Count == count)
            {
                break;
            }
        }

        return ids;
    }

    private static async Task<Guid> InsertOutboxRowAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Guid id = Guid.CreateVersion7();
        await using var insert = new NpgsqlCommand("INSERT INTO outbox_messages (id, topic, key, type, payload, status, attempts) VALUES ($1, 'seats', 'seat', 'SeatChanged', $2, 0, 0)", connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = [1] });
        await insert.ExecuteNonQueryAsync();
        return id;
    }

    private static async Task Execute(NpgsqlDataSource source, string sql)
    {
        await using NpgsqlCommand command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }
}
