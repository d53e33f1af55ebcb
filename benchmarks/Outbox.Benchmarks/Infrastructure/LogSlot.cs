using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Outbox.Benchmarks.Infrastructure;

/// <summary>
/// A replication slot and publication of one log-tailing host (issue #19), with names of its own:
/// slots are server-wide and outlive the process. Created before the host starts, so a relay-off
/// host's saves have a slot too (a logical decoding message written while none exists is never
/// streamed), and dropped when disposed: before its database (PostgreSQL refuses to drop a database
/// a slot uses), and so the throwaway server keeps no log for it.
/// </summary>
internal sealed class LogSlot : IAsyncDisposable
{
    private const string ObjectInUse = "55006";
    private readonly NpgsqlDataSource source;

    private LogSlot(string connectionString)
    {
        source = NpgsqlDataSource.Create(connectionString);
        Name = "bench_" + Guid.NewGuid().ToString("N")[..16];
    }

    public string Name { get; }

    public string Publication => Name + "_pub";

    public static async Task<LogSlot> CreateAsync(string connectionString)
    {
        var slot = new LogSlot(connectionString);
        await using (NpgsqlCommand publication = slot.source.CreateCommand($"CREATE PUBLICATION {slot.Publication}"))
        {
            await publication.ExecuteNonQueryAsync();
        }

        await using NpgsqlCommand create = slot.source.CreateCommand($"SELECT pg_create_logical_replication_slot('{slot.Name}', 'pgoutput')");
        await create.ExecuteNonQueryAsync();
        return slot;
    }

    /// <summary>Switches a host's outbox to the log-tailing relay on this slot.</summary>
    public void Use(IOutboxBuilder outbox) => outbox.UsePostgreSqlLogTailing(o =>
    {
        o.SlotName = Name;
        o.PublicationName = Publication;
    });

    public async ValueTask DisposeAsync()
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await using NpgsqlCommand drop = source.CreateCommand($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{Name}'");
                await drop.ExecuteNonQueryAsync();
                break;
            }
            catch (PostgresException ex) when (ex.SqlState == ObjectInUse && attempt < 100)
            {
                await Task.Delay(100); // the stopped relay's walsender is still exiting
            }
        }

        await using (NpgsqlCommand publication = source.CreateCommand($"DROP PUBLICATION IF EXISTS {Publication}"))
        {
            await publication.ExecuteNonQueryAsync();
        }

        await source.DisposeAsync();
    }
}
