using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Outbox.Benchmarks.Infrastructure;
using Outbox.TestSupport.Data;

namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>
/// No outbox library: EF Core saves the order and, when publishing, the writer then produces the
/// event and awaits its delivery report (publish after commit, with the outbox transport's
/// producer settings). Without publishing, it is the business row alone: the ceiling of writes.
/// </summary>
internal sealed class NoOutboxSystem : IPeerSystem
{
    private readonly IHost host;
    private readonly IProducer<string, byte[]>? producer;
    private readonly string topic;

    private NoOutboxSystem(IHost host, IProducer<string, byte[]>? producer, string topic)
    {
        this.host = host;
        this.producer = producer;
        this.topic = topic;
    }

    public bool Delivers => producer is not null;

    public IReadOnlyList<string> OutboxTables { get; } = [];

    public static async Task<IPeerSystem> StartAsync(PeerRun run, bool publish)
    {
        HostApplicationBuilder builder = PeerHost.CreateBuilder();
        builder.Services.AddDbContext<TestDbContext>(o => o.UseNpgsql(run.ConnectionString));
        IHost host = builder.Build();
        await host.StartAsync();
        IProducer<string, byte[]>? producer = publish
            ? new ProducerBuilder<string, byte[]>(BenchEnvironment.ProducerConfig(run.BootstrapServers, run.Producer)).SetLogHandler((_, _) => { }).Build()
            : null;
        return new NoOutboxSystem(host, producer, run.Topic);
    }

    public async Task<long> WriteAsync(PeerOrder order)
    {
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        TestDbContext db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        db.Orders.Add(order.Row);
        await db.SaveChangesAsync();
        long committed = Stopwatch.GetTimestamp();
        if (producer is not null)
        {
            await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = order.Key, Value = JsonSerializer.SerializeToUtf8Bytes(order.Event, PeerWorkload.Json) });
        }

        return committed;
    }

    public Task WaitSettledAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        producer?.Dispose();
        await host.StopAsync();
        host.Dispose();
    }
}
