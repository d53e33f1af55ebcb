using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outbox.TestSupport.Data;
using Wolverine;
using Wolverine.EntityFrameworkCore;
using Wolverine.Kafka;
using Wolverine.Postgresql;

namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>
/// Wolverine 6.62's EF Core durable outbox to Kafka, configured as its documentation recommends:
/// PostgreSQL message storage, the DbContext registered with <c>AddDbContextWithWolverineIntegration</c>
/// (its envelope tables mapped into the context, so the envelope is saved in the same EF Core batch
/// as the order; the context is the other systems' <see cref="TestDbContext"/>, whose mapping of
/// this library's table is unused here), EF Core transactions, and the Kafka topic as a durable-outbox endpoint with
/// Wolverine's default batching. Its producer is idempotent, as the outbox transport's is, so both
/// give the broker the same guarantee. Everything else is left at its default (durability mode
/// Balanced, the production default).
/// </summary>
internal sealed class WolverineSystem : IPeerSystem
{
    /// <summary>The schema of Wolverine's tables (its default, named so the settle query needs no lookup).</summary>
    private const string Schema = "wolverine";

    /// <summary>Wolverine's envelope tables: what it writes per message (outgoing insert and delete; the others only on failures).</summary>
    private static readonly string[] EnvelopeTables = ["wolverine_outgoing_envelopes", "wolverine_incoming_envelopes", "wolverine_dead_letters"];

    private readonly IHost host;
    private readonly string connectionString;

    private WolverineSystem(IHost host, string connectionString)
    {
        this.host = host;
        this.connectionString = connectionString;
    }

    public bool Delivers => true;

    public IReadOnlyList<string> OutboxTables => EnvelopeTables;

    public static async Task<IPeerSystem> StartAsync(PeerRun run)
    {
        HostApplicationBuilder builder = PeerHost.CreateBuilder();
        builder.Logging.AddFilter("Wolverine.Configuration.HandlerDiscovery", LogLevel.Error); // a publisher has no handlers: not worth its warning
        builder.UseWolverine(opts =>
        {
            opts.UseRuntimeCompilation(); // 6.62 compiles its generated code with Roslyn at start, from this opt-in package
            opts.PersistMessagesWithPostgresql(run.ConnectionString, Schema);
            opts.Services.AddDbContextWithWolverineIntegration<TestDbContext>(o => o.UseNpgsql(run.ConnectionString));
            opts.UseEntityFrameworkCoreTransactions();
            opts.UseKafka(run.BootstrapServers)
                .ConfigureProducers(producer =>
                {
                    foreach ((string key, string value) in run.Producer)
                    {
                        producer.Set(key, value);
                    }
                })
                .UseIdempotentProducer();
            opts.PublishMessage<OrderPlacedEvent>().ToKafkaTopic(run.Topic).UseDurableOutbox();
        });
        IHost host = builder.Build();
        await host.StartAsync();
        return new WolverineSystem(host, run.ConnectionString);
    }

    public async Task<long> WriteAsync(PeerOrder order)
    {
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        IDbContextOutbox<TestDbContext> outbox = scope.ServiceProvider.GetRequiredService<IDbContextOutbox<TestDbContext>>();
        outbox.DbContext.Orders.Add(order.Row);
        await outbox.PublishAsync(order.Event, new DeliveryOptions { PartitionKey = order.Key });
        await outbox.SaveChangesAndFlushMessagesAsync();
        return Stopwatch.GetTimestamp();
    }

    /// <summary>Waits until Wolverine has deleted every outgoing envelope (it deletes them once the broker acked them).</summary>
    public async Task WaitSettledAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {Schema}.wolverine_outgoing_envelopes", connection);
        while ((long)(await count.ExecuteScalarAsync(cancellationToken))! > 0)
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
