using Microsoft.AspNetCore.Hosting;
using Outbox.TestSupport.SqlServer;

namespace Outbox.Samples.Tests.Concert;

/// <summary>
/// The Concert app on SQL Server (<c>Database:Provider=SqlServer</c>): the server in
/// <c>OUTBOX_TEST_SQLSERVER</c>, or a container where Docker answers. Without one the app is not
/// started and <see cref="SkipUnlessRunning"/> skips each test with the reason.
/// </summary>
public sealed class SqlServerConcertApp : ConcertApp
{
    private readonly SqlServerServer server = new();
    private string? connectionString;

    public override async Task InitializeAsync()
    {
        await server.InitializeAsync();
        if (server.ConnectionString is null)
        {
            return;
        }

        connectionString = await server.CreateDatabaseAsync("concert");
        await base.InitializeAsync();
    }

    public override void SkipUnlessRunning() => server.SkipUnlessAvailable();

    protected override void ConfigureDatabase(IWebHostBuilder builder)
    {
        builder.UseSetting("Database:Provider", "SqlServer");
        builder.UseSetting("ConnectionStrings:Concert", connectionString);
    }

    protected override async Task DeleteDatabaseAsync()
    {
        if (connectionString is not null)
        {
            await server.DropDatabaseAsync(connectionString);
        }

        await server.DisposeAsync();
    }
}
