using Microsoft.EntityFrameworkCore;

namespace Concert.Infrastructure.Persistence;

internal static class DbContextOptionsBuilderExtensions
{
    private const string DefaultSqliteConnectionString = "Data Source=concert.db";

    /// <summary>Applies the configured provider and connection string.</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL or SQL Server has no connection string, or the provider is not known.</exception>
    public static DbContextOptionsBuilder UseConfiguredDatabase(this DbContextOptionsBuilder options, DatabaseOptions database, string? connectionString) =>
        database.Provider switch
        {
            DatabaseProvider.Sqlite => options.UseSqlite(string.IsNullOrWhiteSpace(connectionString) ? DefaultSqliteConnectionString : connectionString),
            DatabaseProvider.PostgreSql => options.UseNpgsql(Required(connectionString, database.Provider, "Host=localhost;Database=concert;Username=postgres")),
            DatabaseProvider.SqlServer => options.UseSqlServer(Required(connectionString, database.Provider, "Server=localhost,1433;Database=concert;User Id=sa;Password=...;TrustServerCertificate=True")),
            _ => throw new InvalidOperationException($"Database:Provider '{database.Provider}' is not known. Use Sqlite, PostgreSql or SqlServer."),
        };

    private static string Required(string? connectionString, DatabaseProvider provider, string example) =>
        string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException($"Database:Provider is {provider} but ConnectionStrings:{DatabaseOptions.ConnectionStringName} is not set. Set it, for example ConnectionStrings__{DatabaseOptions.ConnectionStringName}=\"{example}\".")
            : connectionString;
}
