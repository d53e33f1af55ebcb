using Microsoft.EntityFrameworkCore;

namespace Concert.Infrastructure.Persistence;

internal static class DbContextOptionsBuilderExtensions
{
    private const string DefaultSqliteConnectionString = "Data Source=concert.db";

    /// <summary>Applies the configured provider and connection string.</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL has no connection string, or SQL Server is chosen (its provider package is not referenced).</exception>
    public static DbContextOptionsBuilder UseConfiguredDatabase(this DbContextOptionsBuilder options, DatabaseOptions database, string? connectionString) =>
        database.Provider switch
        {
            DatabaseProvider.Sqlite => options.UseSqlite(connectionString ?? DefaultSqliteConnectionString),
            DatabaseProvider.PostgreSql => options.UseNpgsql(connectionString ?? throw new InvalidOperationException(
                $"Database:Provider is PostgreSql but ConnectionStrings:{DatabaseOptions.ConnectionStringName} is not set. Set it, for example ConnectionStrings__{DatabaseOptions.ConnectionStringName}=\"Host=localhost;Database=concert;Username=postgres\".")),
            DatabaseProvider.SqlServer => throw new InvalidOperationException(
                "Database:Provider is SqlServer, but this sample does not reference the SQL Server EF Core provider. The outbox library supports SQL Server: add <PackageReference Include=\"Microsoft.EntityFrameworkCore.SqlServer\" /> to samples/Concert/Concert.csproj (and its version to Directory.Packages.props), then call options.UseSqlServer(connectionString) here."),
            _ => throw new InvalidOperationException($"Database:Provider '{database.Provider}' is not known. Use Sqlite, PostgreSql or SqlServer."),
        };
}
