using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Outbox.PostgreSql;

namespace Outbox.TestSupport.Hosting;

/// <summary>
/// A replication slot and publication of one test or benchmark run, for the log-tailing relay, with
/// names of its own: slots are server-wide and outlive the process. Either created here (before
/// anything writes: a logical decoding message written while no slot exists is never streamed, and
/// the outbox refuses such a save) or only named, for the relay to create. Disposing drops both, before
/// the database (PostgreSQL refuses to drop a database a slot uses) and so the throwaway server keeps
/// no log for them.
/// </summary>
public sealed class LogSlot : IAsyncDisposable
{
    private const string ObjectInUse = "55006";
    private readonly NpgsqlDataSource source;

    private LogSlot(string connectionString, string prefix)
    {
        source = NpgsqlDataSource.Create(connectionString);
        Name = prefix + "_" + Guid.NewGuid().ToString("N")[..12];
    }

    public string Name { get; }

    public string Publication => Name + "_pub";

    /// <summary>Names a slot without creating it (the relay creates it at start).</summary>
    public static LogSlot Reserve(string connectionString, string prefix) => new(connectionString, prefix);

    /// <summary>Creates the publication and the slot.</summary>
    public static async Task<LogSlot> CreateAsync(string connectionString, string prefix)
    {
        var slot = new LogSlot(connectionString, prefix);
        await slot.ExecuteAsync($"CREATE PUBLICATION {slot.Publication}");
        await slot.ExecuteAsync($"SELECT pg_create_logical_replication_slot('{slot.Name}', 'pgoutput')");
        return slot;
    }

    /// <summary>Switches a host's outbox to the log-tailing relay on this slot (a stand-by tries to take over every 0.5 s, not 2 s).</summary>
    public void Use(IOutboxBuilder outbox) => Use(outbox, null);

    /// <summary>Switches a host's outbox to the log-tailing relay on this slot, with more options.</summary>
    public void Use(IOutboxBuilder outbox, Action<PostgreSqlLogTailingOptions>? configure) => outbox.UsePostgreSqlLogTailing(o =>
    {
        o.SlotName = Name;
        o.PublicationName = Publication;
        o.TakeoverInterval = TimeSpan.FromMilliseconds(500);
        configure?.Invoke(o);
    });

    /// <summary>Reads whether some relay streams from the slot and the write-ahead log it holds back, in bytes; <see langword="null"/> when it does not exist.</summary>
    public async Task<(bool Active, long? LagBytes)?> ReadAsync()
    {
        await using NpgsqlCommand command = source.CreateCommand($"SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = '{Name}'");
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)) : null;
    }

    /// <summary>Reads the write-ahead log the existing slot holds back, in bytes.</summary>
    public async Task<long> LagBytesAsync() => (await ReadAsync())?.LagBytes ?? throw new InvalidOperationException($"The slot {Name} does not exist.");

    public async ValueTask DisposeAsync()
    {
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    await ExecuteAsync($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{Name}'");
                    break;
                }
                catch (PostgresException ex) when (ex.SqlState == ObjectInUse && attempt < 100)
                {
                    await Task.Delay(100); // the stopped relay's walsender is still exiting
                }
            }

            await ExecuteAsync($"DROP PUBLICATION IF EXISTS {Publication}");
        }
        catch (NpgsqlException) when (source is not null)
        {
            // The server is gone (a scenario's own cluster, stopped): nothing is left to keep log for it.
        }

        await source.DisposeAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using NpgsqlCommand command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
