using System.Diagnostics;
using Npgsql;

namespace Outbox.Benchmarks.Infrastructure;

/// <summary>Rows a database's tables had inserted, updated and deleted (<c>pg_stat_user_tables</c>).</summary>
internal sealed record TableWrites(long Inserted, long Updated, long Deleted)
{
    public long Total => Inserted + Updated + Deleted;

    /// <summary>
    /// The counts of every table of the database, read once no other connection to it is open:
    /// PostgreSQL 15 backends publish their counts when they go idle, at most once a second (an
    /// idle backend that published less than a second ago waits up to 10 s), and when they exit.
    /// So the pools of this process are closed, any connection left (another process's) is
    /// terminated after a wait, and the counts are read until two readings agree.
    /// </summary>
    public static async Task<Dictionary<string, TableWrites>> ReadSettledAsync(string connectionString)
    {
        NpgsqlConnection.ClearAllPools();
        string reader = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(reader);
        await connection.OpenAsync();
        long waited = Stopwatch.GetTimestamp();
        while (await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()") > 0)
        {
            if (Stopwatch.GetElapsedTime(waited) > TimeSpan.FromSeconds(15))
            {
                await ScalarAsync<long>(connection, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
            }

            await Task.Delay(100);
        }

        Dictionary<string, TableWrites> previous = await ReadAsync(connection);
        while (true)
        {
            await Task.Delay(500);
            Dictionary<string, TableWrites> current = await ReadAsync(connection);
            if (current.Count == previous.Count && current.All(c => previous.TryGetValue(c.Key, out TableWrites? p) && p == c.Value))
            {
                return current;
            }

            previous = current;
        }
    }

    private static async Task<Dictionary<string, TableWrites>> ReadAsync(NpgsqlConnection connection)
    {
        var tables = new Dictionary<string, TableWrites>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables", connection);
        await using NpgsqlDataReader rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync())
        {
            tables[rows.GetString(0)] = new TableWrites(rows.GetInt64(1), rows.GetInt64(2), rows.GetInt64(3));
        }

        return tables;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
