using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// A replication slot (and its publication) of one scenario, for the log-tailing relay: created
/// before anything writes (an event written while no slot exists is never streamed), its lag read
/// during faults, dropped at the end so the server keeps no log for it.
/// </summary>
public sealed class LogSlot : IAsyncDisposable
{
    private readonly NpgsqlDataSource source;

    private LogSlot(string connectionString, string name)
    {
        source = NpgsqlDataSource.Create(connectionString);
        Name = name;
    }

    public string Name { get; }

    public string Publication => Name + "_pub";

    public static async Task<LogSlot> CreateAsync(string connectionString)
    {
        var slot = new LogSlot(connectionString, "reliability_" + Guid.NewGuid().ToString("N")[..12]);
        await using (NpgsqlCommand publication = slot.source.CreateCommand($"CREATE PUBLICATION {slot.Publication}"))
        {
            await publication.ExecuteNonQueryAsync();
        }

        await using NpgsqlCommand create = slot.source.CreateCommand($"SELECT pg_create_logical_replication_slot('{slot.Name}', 'pgoutput')");
        await create.ExecuteNonQueryAsync();
        return slot;
    }

    /// <summary>Sets the log-tailing relay of a host on this slot.</summary>
    public void Use(IOutboxBuilder outbox) => outbox.UsePostgreSqlLogTailing(o =>
    {
        o.SlotName = Name;
        o.PublicationName = Publication;
        o.TakeoverInterval = TimeSpan.FromMilliseconds(500);
    });

    /// <summary>Reads the write-ahead log the slot holds back, in bytes.</summary>
    public async Task<long> LagBytesAsync()
    {
        await using NpgsqlCommand command = source.CreateCommand($"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = '{Name}'");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                await using NpgsqlCommand drop = source.CreateCommand($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{Name}'");
                await drop.ExecuteNonQueryAsync();
                break;
            }
            catch (PostgresException ex) when (ex.SqlState == "55006")
            {
                await Task.Delay(100); // a stopped relay's walsender is still exiting
            }
#pragma warning disable CA1031 // Best effort: the server may be gone (the outage scenario's own cluster).
            catch (Exception)
#pragma warning restore CA1031
            {
                break;
            }
        }

        await source.DisposeAsync();
    }
}
