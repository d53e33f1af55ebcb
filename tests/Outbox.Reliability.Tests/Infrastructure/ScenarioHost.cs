using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outbox.Kafka;
using Outbox.TestSupport.Data;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// A real generic host wired as an application wires the outbox
/// (<c>AddOutbox().UseEntityFrameworkCore&lt;TestDbContext&gt;().UseKafka(...)</c>), with the library's
/// defaults unless a scenario changes them, and its logs captured.
/// </summary>
public sealed class ScenarioHost : IAsyncDisposable
{
    private ScenarioHost(IHost host, CapturedLogs logs)
    {
        Host = host;
        Logs = logs;
    }

    public IHost Host { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => Host.Services;

    /// <summary>Builds and starts the host. Only the relay name and the broker list are set; everything else is the library's default unless <paramref name="configureOutbox"/> / <paramref name="configureKafka"/> change it, or <paramref name="configureServices"/> replaces or decorates a service (see <see cref="Outbox.TestSupport.Hosting.ServiceDecorator"/>).</summary>
    public static async Task<ScenarioHost> StartAsync(
        string connectionString,
        string bootstrapServers,
        Action<OutboxOptions>? configureOutbox = null,
        Action<OutboxKafkaOptions>? configureKafka = null,
        Action<IServiceCollection>? configureServices = null,
        Action<IOutboxBuilder>? configureBuilder = null)
    {
        var logs = new CapturedLogs();
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Services.AddDbContext<TestDbContext>(o => o.UseNpgsql(connectionString));
        IOutboxBuilder outbox = builder.Services
            .AddOutbox(o =>
            {
                o.RelayName = "reliability";
                configureOutbox?.Invoke(o);
            })
            .UseEntityFrameworkCore<TestDbContext>()
            .UseKafka(k =>
            {
                k.BootstrapServers = bootstrapServers;
                configureKafka?.Invoke(k);
            });
        configureBuilder?.Invoke(outbox); // another store mode (the log-tailing relay)
        configureServices?.Invoke(builder.Services); // after the outbox: replaces or decorates what it registered
        IHost host = builder.Build();
        await host.StartAsync();
        return new ScenarioHost(host, logs);
    }

    /// <summary>Gets whether the host is still running (nothing asked it to stop, no background service crashed it).</summary>
    public bool IsRunning => !Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested;

    /// <summary>Runs <paramref name="work"/> in a scope with the application's DbContext and <see cref="IOutbox"/>.</summary>
    public async Task<T> InScopeAsync<T>(Func<TestDbContext, IOutbox, Task<T>> work)
    {
        await using AsyncServiceScope scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TestDbContext>(), scope.ServiceProvider.GetRequiredService<IOutbox>());
    }

    /// <summary>
    /// Commits one transaction: a business row per event plus the events, keys chosen by
    /// <paramref name="keyOf"/> (given the index). Returns the committed ids in commit order.
    /// </summary>
    public Task<List<Guid>> CommitAsync(string topic, int count, Func<int, string?> keyOf, int payloadBytes = 64) =>
        InScopeAsync(async (db, outbox) =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var ids = new List<Guid>(count);
            for (int i = 0; i < count; i++)
            {
                db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "reliability", Amount = i });
                ids.Add(outbox.AddRaw(topic, keyOf(i), new byte[payloadBytes], "ReliabilityEvent").Id);
            }

            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return ids;
        });

    /// <summary>Commits <paramref name="count"/> messages in transactions of <paramref name="perTransaction"/>, recording each key's commit order.</summary>
    public async Task<List<Guid>> CommitManyAsync(string topic, int count, int perTransaction, Func<int, string> keyOf, ConcurrentDictionary<string, List<Guid>>? order = null)
    {
        var all = new List<Guid>(count);
        for (int start = 0; start < count; start += perTransaction)
        {
            int n = Math.Min(perTransaction, count - start);
            int first = start;
            List<Guid> ids = await CommitAsync(topic, n, i => keyOf(first + i));
            if (order is not null)
            {
                for (int i = 0; i < ids.Count; i++)
                {
                    order.GetOrAdd(keyOf(first + i), _ => []).Add(ids[i]);
                }
            }

            all.AddRange(ids);
        }

        return all;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Host.StopAsync(stop.Token);
        Host.Dispose();
    }
}
