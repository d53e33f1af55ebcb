using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outbox.Kafka;
using Outbox.Kafka.Testing;
using Outbox.TestSupport.Data;

namespace Outbox.TestSupport.Hosting;

/// <summary>
/// A real generic host wired the way an application wires the outbox:
/// <c>AddOutbox().UseEntityFrameworkCore&lt;TestDbContext&gt;().UseKafka(...)</c>, on a test database
/// and a Kafka mock cluster.
/// </summary>
public sealed class OutboxTestHost : IAsyncDisposable
{
    private OutboxTestHost(IHost host, TestDatabase database, KafkaMockCluster kafka)
    {
        Host = host;
        Database = database;
        Kafka = kafka;
    }

    public IHost Host { get; }

    public TestDatabase Database { get; }

    public KafkaMockCluster Kafka { get; }

    public IServiceProvider Services => Host.Services;

    public static async Task<OutboxTestHost> StartAsync(
        TestDatabase database,
        KafkaMockCluster kafka,
        Action<OutboxOptions>? configureOutbox = null,
        Action<Outbox.Kafka.OutboxKafkaOptions>? configureKafka = null,
        Action<IServiceCollection>? configureServices = null,
        Action<IOutboxBuilder>? configureBuilder = null)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDbContext<TestDbContext>(o => database.Configure(o));
        IOutboxBuilder outbox = builder.Services
            .AddOutbox(o =>
            {
                o.RelayName = "test-relay";
                o.PollingInterval = TimeSpan.FromMilliseconds(200);
                configureOutbox?.Invoke(o);
            })
            .UseEntityFrameworkCore<TestDbContext>()
            .UseKafka(k =>
            {
                k.BootstrapServers = kafka.BootstrapServers;
                configureKafka?.Invoke(k);
            });
        configureBuilder?.Invoke(outbox);
        configureServices?.Invoke(builder.Services);
        IHost host = builder.Build();
        await host.StartAsync();
        return new OutboxTestHost(host, database, kafka);
    }

    /// <summary>Runs <paramref name="work"/> in a scope with the application's DbContext and <see cref="IOutbox"/>.</summary>
    public async Task<T> InScopeAsync<T>(Func<TestDbContext, IOutbox, Task<T>> work)
    {
        await using AsyncServiceScope scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TestDbContext>(), scope.ServiceProvider.GetRequiredService<IOutbox>());
    }

    /// <summary>Reads every outbox row, oldest first.</summary>
    public async Task<List<OutboxMessage>> ReadRowsAsync()
    {
        await using TestDbContext context = Database.CreateContext();
        List<OutboxMessage> rows = await context.Set<OutboxMessage>().AsNoTracking().ToListAsync();
        rows.Sort((a, b) => a.Id.CompareTo(b.Id));
        return rows;
    }

    /// <summary>Polls the outbox rows until <paramref name="condition"/> holds or <paramref name="timeout"/> passes; returns the last rows read.</summary>
    public async Task<List<OutboxMessage>> WaitForRowsAsync(Func<List<OutboxMessage>, bool> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            List<OutboxMessage> rows = await ReadRowsAsync();
            if (condition(rows) || DateTime.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Polls the store's summary until <paramref name="condition"/> holds or <paramref name="timeout"/> passes; returns the last summary.</summary>
    public async Task<OutboxSummary> WaitForSummaryAsync(Func<OutboxSummary, bool> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using AsyncServiceScope scope = Services.CreateAsyncScope();
            OutboxSummary summary = await scope.ServiceProvider.GetRequiredService<IOutboxAdmin>().GetSummaryAsync();
            if (condition(summary) || DateTime.UtcNow > deadline)
            {
                return summary;
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }
}
