using Microsoft.Data.SqlClient;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Servers;
using Testcontainers.MsSql;

namespace Outbox.TestSupport.SqlServer;

/// <summary>
/// The SQL Server tests run on, found in this order: the one named by <c>OUTBOX_TEST_SQLSERVER</c>
/// (a connection string with rights to create databases), else a SQL Server 2022 container started
/// with Testcontainers when a Docker engine answers (<see cref="DockerEngine"/>), else none: then
/// <see cref="CreateDatabaseAsync"/> skips the test with <see cref="SkipReason"/>. SQL Server cannot
/// be installed on the development machines; CI's Docker job gives it (.github/workflows/ci.yml).
/// </summary>
public sealed class SqlServerServer : IDatabaseServer, IAsyncLifetime
{
    public const string EnvironmentVariable = "OUTBOX_TEST_SQLSERVER";

    /// <summary>What a test that needs SQL Server prints when there is none.</summary>
    public const string SkipReason = "skipped: no SQL Server (set OUTBOX_TEST_SQLSERVER or run Docker)";

    // One container per test process, however many fixtures ask: Testcontainers' reaper removes it when the process ends.
    private static readonly Lazy<Task<MsSqlContainer>> Container = new(async () =>
    {
        MsSqlContainer container = new MsSqlBuilder(TestImages.SqlServer).Build();
        await container.StartAsync();
        return container;
    });

    /// <summary>Gets the server's connection string (to <c>master</c> or the configured database), or <see langword="null"/> when there is no server.</summary>
    public string? ConnectionString { get; private set; }

    /// <summary>Gets where the server came from, for messages.</summary>
    public string Source { get; private set; } = "none";

    public DatabaseKind Kind => DatabaseKind.SqlServer;

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
            // A Docker engine that answers but cannot start the container is a failure, not a skip.
            ConnectionString = (await Container.Value).GetConnectionString();
            Source = "Testcontainers " + TestImages.SqlServer;
        }
    }

    public Task DisposeAsync()
    {
        SqlConnection.ClearAllPools();
        return Task.CompletedTask;
    }

    /// <summary>Skips the calling test, printing <see cref="SkipReason"/>, when there is no server.</summary>
    public void SkipUnlessAvailable() => Skip.If(ConnectionString is null, SkipReason);

    public async Task<string> CreateDatabaseAsync(string prefix = "outbox")
    {
        SkipUnlessAvailable();
        string name = $"{prefix}_{Guid.NewGuid():N}";
        await using (var connection = new SqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new SqlCommand($"CREATE DATABASE [{name}]", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new SqlConnectionStringBuilder(ConnectionString) { InitialCatalog = name }.ConnectionString;
    }

    public async Task DropDatabaseAsync(string databaseConnectionString)
    {
        string name = new SqlConnectionStringBuilder(databaseConnectionString).InitialCatalog;
        await using (var pooled = new SqlConnection(databaseConnectionString))
        {
            SqlConnection.ClearPool(pooled);
        }

        await using var connection = new SqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new SqlCommand(
            $"IF DB_ID(@name) IS NOT NULL BEGIN ALTER DATABASE [{name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{name}]; END",
            connection);
        command.Parameters.AddWithValue("@name", name);
        await command.ExecuteNonQueryAsync();
    }
}
