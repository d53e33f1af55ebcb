using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Outbox.TestSupport.Servers;

namespace Outbox.TestSupport.Data;

/// <summary>The databases the store is tested on.</summary>
public enum DatabaseKind
{
    PostgreSql,
    Sqlite,
    SqlServer,
}

/// <summary>One fresh, created database of a <see cref="DatabaseKind"/> with a <see cref="TestDbContext"/> schema.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? sqliteFile;
    private readonly IDatabaseServer? server;

    private TestDatabase(DatabaseKind kind, string connectionString, string? sqliteFile, IDatabaseServer? server)
    {
        Kind = kind;
        ConnectionString = connectionString;
        this.sqliteFile = sqliteFile;
        this.server = server;
    }

    public DatabaseKind Kind { get; }

    public string ConnectionString { get; }

    /// <summary>Creates a database of <paramref name="kind"/>: on <paramref name="server"/> (PostgreSQL, SQL Server), or a file (SQLite, no server); with the current schema (EnsureCreated), or with <paramref name="createSchema"/> instead (an older schema, say).</summary>
    /// <exception cref="SkipException">The server is missing (SQL Server where none is configured and no Docker engine answers).</exception>
    public static async Task<TestDatabase> CreateAsync(DatabaseKind kind, IDatabaseServer? server, Func<TestDbContext, Task>? createSchema = null)
    {
        TestDatabase database;
        if (kind == DatabaseKind.Sqlite)
        {
            string file = Path.Combine(Path.GetTempPath(), $"outbox-test-{Guid.NewGuid():N}.db");
            database = new TestDatabase(kind, $"Data Source={file};Pooling=false;Default Timeout=30", file, null);
        }
        else
        {
            ArgumentNullException.ThrowIfNull(server);
            if (server.Kind != kind)
            {
                throw new ArgumentException($"A {kind} database needs a {kind} server, not {server.Kind}.", nameof(server));
            }

            database = new TestDatabase(kind, await server.CreateDatabaseAsync(), null, server);
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
        DatabaseKind.SqlServer => options.UseSqlServer(ConnectionString),
        _ => options.UseSqlite(ConnectionString),
    };

    /// <summary>A context without the outbox interceptors (for set-up and assertions).</summary>
    public TestDbContext CreateContext() =>
        new(((DbContextOptionsBuilder<TestDbContext>)Configure(new DbContextOptionsBuilder<TestDbContext>())).Options);

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            // Dropped, not left for the server's end: the benchmark runs dozens of scenarios on one
            // cluster, and each left-over database adds to its checkpoints and disk.
            await server.DropDatabaseAsync(ConnectionString);
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
