using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Outbox.TestSupport.PostgreSql;

namespace Outbox.TestSupport.Data;

/// <summary>The databases the store is tested on.</summary>
public enum DatabaseKind
{
    PostgreSql,
    Sqlite,
}

/// <summary>One fresh, created database of a <see cref="DatabaseKind"/> with a <see cref="TestDbContext"/> schema.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? sqliteFile;
    private readonly PostgreSqlServer? postgres;

    private TestDatabase(DatabaseKind kind, string connectionString, string? sqliteFile, PostgreSqlServer? postgres)
    {
        Kind = kind;
        ConnectionString = connectionString;
        this.sqliteFile = sqliteFile;
        this.postgres = postgres;
    }

    public DatabaseKind Kind { get; }

    public string ConnectionString { get; }

    /// <summary>Creates the database with the current schema (EnsureCreated), or with <paramref name="createSchema"/> instead (an older schema, say).</summary>
    public static async Task<TestDatabase> CreateAsync(DatabaseKind kind, PostgreSqlServer? postgres, Func<TestDbContext, Task>? createSchema = null)
    {
        TestDatabase database;
        if (kind == DatabaseKind.PostgreSql)
        {
            ArgumentNullException.ThrowIfNull(postgres);
            database = new TestDatabase(kind, await postgres.CreateDatabaseAsync(), null, postgres);
        }
        else
        {
            string file = Path.Combine(Path.GetTempPath(), $"outbox-test-{Guid.NewGuid():N}.db");
            database = new TestDatabase(kind, $"Data Source={file};Pooling=false;Default Timeout=30", file, null);
        }

        await using (TestDbContext context = database.CreateContext())
        {
            if (createSchema is null)
            {
                await context.Database.EnsureCreatedAsync();
            }
            else
            {
                await createSchema(context);
            }

            if (kind == DatabaseKind.Sqlite)
            {
                // WAL lets the relay read while a writer writes.
                await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            }
        }

        return database;
    }

    /// <summary>Applies this database's provider to DbContext options.</summary>
    public DbContextOptionsBuilder Configure(DbContextOptionsBuilder options) => Kind switch
    {
        DatabaseKind.PostgreSql => options.UseNpgsql(ConnectionString),
        _ => options.UseSqlite(ConnectionString),
    };

    /// <summary>A context without the outbox interceptors (for set-up and assertions).</summary>
    public TestDbContext CreateContext() =>
        new(((DbContextOptionsBuilder<TestDbContext>)Configure(new DbContextOptionsBuilder<TestDbContext>())).Options);

    public async ValueTask DisposeAsync()
    {
        if (postgres is not null)
        {
            // Dropped, not left for the cluster's deletion: the benchmark runs dozens of scenarios
            // on one cluster, and each left-over database adds to its checkpoints and disk.
            await postgres.DropDatabaseAsync(ConnectionString);
        }

        if (sqliteFile is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (string file in new[] { sqliteFile, sqliteFile + "-wal", sqliteFile + "-shm" })
            {
                File.Delete(file);
            }
        }
    }
}
