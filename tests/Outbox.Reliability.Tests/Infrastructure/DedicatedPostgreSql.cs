using System.Diagnostics;
using Npgsql;
using Outbox.TestSupport;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of one scenario's own (started with <c>eng/postgres.sh</c>) that the
/// scenario can stop and start again on the same port, so clients reconnect to the same address.
/// </summary>
public sealed class DedicatedPostgreSql : IAsyncDisposable
{
    private readonly string directory;

    private DedicatedPostgreSql(string directory, string connectionString)
    {
        this.directory = directory;
        ConnectionString = connectionString;
        Port = new NpgsqlConnectionStringBuilder(connectionString).Port;
    }

    public string ConnectionString { get; }

    public int Port { get; }

    public static async Task<DedicatedPostgreSql> StartAsync()
    {
        string directory = Path.Combine(Path.GetTempPath(), "outbox-reliability-pg-" + Guid.NewGuid().ToString("N")[..10]);
        string output = await BashAsync($"bash \"{Path.Combine(RepositoryPaths.Root, "eng", "postgres.sh")}\" start \"{directory}\"");
        return new DedicatedPostgreSql(directory, output.Trim().Split('\n')[^1]);
    }

    /// <summary>Stops the server (fast shutdown: open sessions are cut, as in a crash of the database host).</summary>
    public Task StopAsync() => BashAsync($"bash \"{Path.Combine(RepositoryPaths.Root, "eng", "postgres.sh")}\" stop \"{directory}\"");

    /// <summary>Starts the stopped server again on the same port and socket folder.</summary>
    public Task RestartOnSamePortAsync() => BashAsync(
        $$"""
        bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
        run() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
        run "$bin/pg_ctl" -D "{{directory}}/data" -l "{{directory}}/server.log" -w -t 60 start \
          -o "-p {{Port}} -k {{directory}} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on -c wal_level=logical -c max_replication_slots=16 -c max_wal_senders=16" >/dev/null
        """);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await StopAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static async Task<string> BashAsync(string script)
    {
        var start = new ProcessStartInfo("bash", ["-c", "set -euo pipefail\n" + script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"PostgreSQL control failed (exit {process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }
}
