using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Concert.Infrastructure.DataPlatform;
using Concert.Infrastructure.Kafka;
using Concert.Infrastructure.Notifications;
using Concert.Infrastructure.Persistence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Storage;

namespace Outbox.Samples.Tests.Concert;

/// <summary>
/// The Concert app in-process on its embedded defaults: a fresh SQLite file, the Kafka mock
/// cluster, fast polling and a <see cref="TestClock"/>. One per test class.
/// </summary>
public class ConcertApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly string databaseFile = Path.Combine(Path.GetTempPath(), $"concert-test-{Guid.NewGuid():N}.db");

    public TestClock Clock { get; } = new();

    public HttpClient Api { get; private set; } = null!;

    internal LoggingDataPlatformClient DataPlatform => (LoggingDataPlatformClient)Services.GetRequiredService<IDataPlatformClient>();

    internal LoggingNotificationSender Notifications => Services.GetRequiredService<LoggingNotificationSender>();

    public string KafkaBootstrapServers => Services.GetRequiredService<KafkaConnection>().BootstrapServers;

    /// <summary>Skips the calling test, printing why, when this app's server is missing (SQL Server where none is given); the embedded defaults never are.</summary>
    public virtual void SkipUnlessRunning()
    {
    }

    public virtual Task InitializeAsync()
    {
        Api = CreateClient(); // starts the host: database, embedded Kafka, relay, consumers
        return Task.CompletedTask;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        Api?.Dispose(); // null when the app never started (its server was missing)
        await DisposeAsync();
        await DeleteDatabaseAsync();
    }

    /// <summary>Points the app at its database: a SQLite file of its own.</summary>
    protected virtual void ConfigureDatabase(IWebHostBuilder builder)
    {
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("ConnectionStrings:Concert", $"Data Source={databaseFile}");
    }

    protected virtual Task DeleteDatabaseAsync()
    {
        SqliteConnection.ClearAllPools();
        foreach (string file in new[] { databaseFile, databaseFile + "-wal", databaseFile + "-shm" })
        {
            File.Delete(file);
        }

        return Task.CompletedTask;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ConfigureDatabase(builder);
        builder.UseSetting("Kafka:BootstrapServers", string.Empty);
        builder.UseSetting("Outbox:PollingInterval", "00:00:00.200");
        builder.UseSetting("Notifications:SlackWebhookUrl", string.Empty);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public Task<HttpResponseMessage> ReserveAsync(long userId, long seatId) =>
        Api.PostAsJsonAsync("/reservations", new { userId, seatId });

    public Task<HttpResponseMessage> PayAsync(long reservationId, long userId) =>
        Api.PostAsJsonAsync("/payments", new { reservationId, userId });

    /// <summary>Runs a query on the app's database.</summary>
    internal async Task<T> QueryAsync<T>(Func<ConcertDbContext, Task<T>> query)
    {
        await using AsyncServiceScope scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ConcertDbContext>());
    }

    public Task<List<OutboxMessage>> OutboxRowsAsync() =>
        QueryAsync(db => db.Set<OutboxMessage>().AsNoTracking().ToListAsync());

    public async Task<OutboxSummary> OutboxSummaryAsync()
    {
        await using AsyncServiceScope scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IOutboxStore>().GetSummaryAsync();
    }

    /// <summary>Waits until the relay has nothing left to send.</summary>
    public Task RelayIdleAsync() =>
        Eventually.HoldsAsync(async () => await OutboxSummaryAsync() is { Init: 0, Publish: 0 }, Timeout, "the outbox has no INIT or PUBLISH rows");
}
