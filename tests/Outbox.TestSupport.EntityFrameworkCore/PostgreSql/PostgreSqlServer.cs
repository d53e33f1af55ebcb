using System.Diagnostics;
using Npgsql;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Servers;
using Testcontainers.PostgreSql;

namespace Outbox.TestSupport.PostgreSql;

/// <summary>
/// The PostgreSQL server tests run on, found in this order: the one named by
/// <c>OUTBOX_TEST_POSTGRES</c> (a connection string) when set, else a PostgreSQL 15 container
/// started with Testcontainers when a Docker engine answers (<see cref="DockerEngine"/>), else a
/// throwaway PostgreSQL 15 cluster started by <c>eng/postgres.sh</c> for this test run and stopped
/// at its end. Each test class gets its own database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgreSqlServer : IDatabaseServer, IAsyncLifetime
{
    public const string EnvironmentVariable = "OUTBOX_TEST_POSTGRES";

    // One container per test process, however many fixtures ask: Testcontainers' reaper removes it when the process ends.
    private static readonly Lazy<Task<PostgreSqlContainer>> Container = new(async () =>
    {
        PostgreSqlContainer container = new PostgreSqlBuilder(TestImages.PostgreSql).WithCommand("-c", "max_connections=300", "-c", "wal_level=logical", "-c", "max_replication_slots=16", "-c", "max_wal_senders=16").Build();
        await container.StartAsync();
        return container;
    });

    private string? clusterDirectory;

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>Gets where the server came from, for messages.</summary>
    public string Source { get; private set; } = string.Empty;

    public DatabaseKind Kind => DatabaseKind.PostgreSql;

    public async Task InitializeAsync()
    {
        string? configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            ConnectionString = configured;
            Source = EnvironmentVariable;
            return;
        }

        if (await DockerEngine.IsAvailableAsync())
        {
            ConnectionString = (await Container.Value).GetConnectionString() + ";Maximum Pool Size=200";
            Source = "Testcontainers " + TestImages.PostgreSql;
            return;
        }

        Source = "eng/postgres.sh";
        clusterDirectory = Path.Combine(Path.GetTempPath(), "outbox-pg-" + Guid.NewGuid().ToString("N")[..12]);
        string output = await RunScriptAsync("start", clusterDirectory);
        ConnectionString = output.Trim().Split('\n')[^1];
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (clusterDirectory is not null)
        {
            await RunScriptAsync("stop", clusterDirectory);
            try
            {
                Directory.Delete(clusterDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "outbox")
    {
        string name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing whatever connections remain.</summary>
    public async Task DropDatabaseAsync(string databaseConnectionString)
    {
        string name = new NpgsqlConnectionStringBuilder(databaseConnectionString).Database!;
        await using (var pooled = new NpgsqlConnection(databaseConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> RunScriptAsync(string command, string directory)
    {
        string script = Path.Combine(RepositoryPaths.Root, "eng", "postgres.sh");
        var start = new ProcessStartInfo("bash", [script, command, directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        string stdout = await process.StandardOutput.ReadToEndAsync();
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"Could not {command} a throwaway PostgreSQL cluster with eng/postgres.sh (exit {process.ExitCode}): {stderr} " +
                $"Install PostgreSQL 15 (eng/setup.sh does) or set {EnvironmentVariable} to a connection string.");
        }

        return stdout;
    }
}
