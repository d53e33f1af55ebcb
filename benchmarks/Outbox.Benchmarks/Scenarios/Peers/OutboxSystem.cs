using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Outbox.Benchmarks.Infrastructure;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;

namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>
/// This library as its README wires it: <c>AddOutbox().UseEntityFrameworkCore&lt;TDb&gt;().UseKafka(…)</c>
/// with every option at its default (or with DirectSend on, and delivered rows deleted), the event
/// staged with <see cref="IOutbox.Add{TPayload}"/> and saved by the writer's own
/// <c>SaveChangesAsync</c>; the relay runs in the same host. With the relay off, the same rows are
/// written and nothing is sent (the library's write rate). With log tailing (issue #19), the same
/// wiring plus <c>UsePostgreSqlLogTailing</c> on a slot of the run's own: the event is a logical
/// decoding message in the save's own command (no outbox row), streamed from the slot.
/// </summary>
internal sealed class OutboxSystem : IPeerSystem
{
    private readonly IHost host;
    private readonly string topic;
    private readonly LogSlot? slot;

    private OutboxSystem(IHost host, string topic, bool relay, string table, LogSlot? slot)
    {
        this.host = host;
        this.topic = topic;
        this.slot = slot;
        Delivers = relay;
        OutboxTables = [table];
    }

    public bool Delivers { get; }

    public IReadOnlyList<string> OutboxTables { get; }

    public static async Task<IPeerSystem> StartAsync(PeerRun run, bool relay, bool directSend, bool deleteOnComplete, bool logTailing = false)
    {
        LogSlot? slot = logTailing ? await LogSlot.CreateAsync(run.ConnectionString, "bench") : null;
        HostApplicationBuilder builder = PeerHost.CreateBuilder();
        builder.Services.AddDbContext<TestDbContext>(o => o.UseNpgsql(run.ConnectionString));
        IOutboxBuilder outbox = builder.Services
            .AddOutbox(o =>
            {
                o.EnableRelay = relay;
                o.DirectSend = directSend;
                if (deleteOnComplete)
                {
                    o.CompletedRetention = TimeSpan.Zero;
                }
            })
            .UseEntityFrameworkCore<TestDbContext>();
        slot?.Use(outbox);
        outbox
            .UseKafka(k =>
            {
                k.BootstrapServers = run.BootstrapServers;
                foreach ((string key, string value) in run.Producer)
                {
                    k.Producer.Set(key, value);
                }
            });
        IHost host = builder.Build();
        await host.StartAsync();
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        string table = scope.ServiceProvider.GetRequiredService<TestDbContext>().Model.FindEntityType(typeof(OutboxMessage))!.GetTableName()!; // as the model maps it
        return new OutboxSystem(host, run.Topic, relay, table, slot);
    }

    public async Task<long> WriteAsync(PeerOrder order)
    {
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        TestDbContext db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        db.Orders.Add(order.Row);
        scope.ServiceProvider.GetRequiredService<IOutbox>().Add(topic, order.Key, order.Event);
        await db.SaveChangesAsync();
        return Stopwatch.GetTimestamp();
    }

    public async Task WaitSettledAsync(CancellationToken cancellationToken)
    {
        if (!Delivers)
        {
            return;
        }

        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        IOutboxAdmin admin = scope.ServiceProvider.GetRequiredService<IOutboxAdmin>();
        while (await admin.GetSummaryAsync(cancellationToken) is { Init: > 0 } or { Publish: > 0 })
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        if (slot is not null)
        {
            await slot.DisposeAsync(); // before the run's database is dropped: PostgreSQL refuses while a slot uses it
        }
    }
}
