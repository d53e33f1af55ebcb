using Microsoft.AspNetCore.Hosting;
using Outbox.TestSupport.PostgreSql;

namespace Outbox.Samples.Tests.Concert;

/// <summary>The Concert app on PostgreSQL (<c>Database:Provider=PostgreSql</c>): a throwaway server, or the one in <c>OUTBOX_TEST_POSTGRES</c>.</summary>
public sealed class PostgreSqlConcertApp : ConcertApp
{
    private readonly PostgreSqlServer server = new();
    private string connectionString = string.Empty;

    public override async Task InitializeAsync()
    {
        await server.InitializeAsync();
        connectionString = await server.CreateDatabaseAsync("concert");
        await base.InitializeAsync();
    }

    protected override void ConfigureDatabase(IWebHostBuilder builder)
    {
        builder.UseSetting("Database:Provider", "PostgreSql");
        builder.UseSetting("ConnectionStrings:Concert", connectionString);
    }

    protected override Task DeleteDatabaseAsync() => server.DisposeAsync();
}
