using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outbox.EntityFrameworkCore;
using Outbox.EntityFrameworkCore.Storage;
using Outbox.Kafka;
using Outbox.Kafka.Testing;
using Outbox.Storage;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;
using Outbox.Transport;
using Outbox.TestSupport.Hosting;

namespace Outbox.Benchmarks.Infrastructure;

/// <summary>The servers of one benchmark run: PostgreSQL (given or throwaway) and a 3-broker Kafka mock cluster in this process.</summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    public const int Partitions = 12;
    private int topics;

    private BenchEnvironment(PostgreSqlServer postgres, PostgresServerProcesses postgresProcesses, KafkaMockCluster kafka, BenchSettings settings)
    {
        Postgres = postgres;
        PostgresProcesses = postgresProcesses;
        Kafka = kafka;
        Settings = settings;
    }

    public PostgreSqlServer Postgres { get; }

    /// <summary>Gets the PostgreSQL server's processes, for its CPU time.</summary>
    public PostgresServerProcesses PostgresProcesses { get; }

    public KafkaMockCluster Kafka { get; }

    /// <summary>Gets or sets the settings the scenarios read (swapped for the warm-up).</summary>
    public BenchSettings Settings { get; set; }

    public static async Task<BenchEnvironment> StartAsync(BenchSettings settings)
    {
        if (settings.Postgres is not null)
        {
            Environment.SetEnvironmentVariable(PostgreSqlServer.EnvironmentVariable, settings.Postgres);
        }

        var postgres = new PostgreSqlServer();
        await postgres.InitializeAsync();
        return new BenchEnvironment(postgres, await PostgresServerProcesses.LocateAsync(postgres.ConnectionString), KafkaMockCluster.Start(3), settings);
    }

    /// <summary>A fresh topic with <see cref="Partitions"/> partitions.</summary>
    public string NewTopic(string name)
    {
        string topic = $"bench-{name}-{Interlocked.Increment(ref topics)}";
        Kafka.CreateTopic(topic, Partitions);
        return topic;
    }

    /// <summary>A fresh database, after a checkpoint so the previous scenario's dirty pages are not written during this one.</summary>
    public async Task<TestDatabase> NewDatabaseAsync(DatabaseKind kind = DatabaseKind.PostgreSql)
    {
        await using (var connection = new NpgsqlConnection(Postgres.ConnectionString))
        {
            await connection.OpenAsync();
            await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection) { CommandTimeout = 300 };
            await checkpoint.ExecuteNonQueryAsync();
        }

        return await TestDatabase.CreateAsync(kind, kind == DatabaseKind.PostgreSql ? Postgres : null);
    }

    /// <summary>The producer configuration the outbox transport uses (its defaults), for the plain-producer limit and the no-outbox baseline.</summary>
    public Dictionary<string, string> ProducerConfig() => ProducerConfig(Kafka.BootstrapServers, Settings.Producer);

    /// <summary>The outbox transport's producer configuration for another cluster.</summary>
    public static Dictionary<string, string> ProducerConfig(string bootstrapServers, IReadOnlyDictionary<string, string>? producer) => KafkaProducerSettings.Build(KafkaOptions(bootstrapServers, producer));

    /// <summary>The transport options of this run: the mock cluster plus any --producer settings.</summary>
    public OutboxKafkaOptions KafkaOptions() => KafkaOptions(Kafka.BootstrapServers, Settings.Producer);

    public static OutboxKafkaOptions KafkaOptions(string bootstrapServers, IReadOnlyDictionary<string, string>? producer)
    {
        var options = new OutboxKafkaOptions { BootstrapServers = bootstrapServers };
        foreach ((string key, string value) in producer ?? new Dictionary<string, string>())
        {
            options.Producer.Set(key, value);
        }

        return options;
    }

    public IProducer<string?, byte[]> NewProducer()
    {
        return new ProducerBuilder<string?, byte[]>(ProducerConfig())
            .SetKeySerializer(Serializers.Utf8)
            .SetValueSerializer(Serializers.ByteArray)
            .SetLogHandler((_, _) => { })
            .Build();
    }

    /// <summary>
    /// Connects <paramref name="host"/>'s Kafka producer and loads <paramref name="topic"/>'s
    /// metadata by sending one message through its transport, past the probe: up to about a
    /// second on the mock cluster, paid once by a service, long before a steady state worth
    /// measuring. (The library warms its producer at host start only when the transport is its
    /// own, not decorated as here.)
    /// </summary>
    public static async Task WarmUpProducerAsync(IHost host, string topic, Workload work)
    {
        IReadOnlyList<OutboxSendResult> results = await host.Services.GetRequiredService<KafkaOutboxTransport>().SendAsync([work.ClaimedMessage(topic, -1)], Workload.SendWindow);
        if (results[0].Status != OutboxSendStatus.Delivered)
        {
            throw new InvalidOperationException($"Warm-up message to {topic} not delivered: {results[0].Error}");
        }
    }

    /// <summary>
    /// Builds (and starts) an application host the way users wire the outbox, with the probe's
    /// decorators around the real store and transport; with <paramref name="logTailing"/>, the
    /// PostgreSQL log-tailing relay on that slot instead of the outbox row.
    /// </summary>
    public Task<IHost> StartHostAsync(TestDatabase database, RelayProbe probe, Action<OutboxOptions>? configure = null, bool fastPath = true, bool start = true, LogSlot? logTailing = null)
    {
        return StartHostAsync(o => database.Configure(o), Kafka.BootstrapServers, probe, configure, fastPath, start, Settings.Producer, logTailing);
    }

    public static async Task<IHost> StartHostAsync(Action<DbContextOptionsBuilder> database, string bootstrapServers, RelayProbe probe, Action<OutboxOptions>? configure = null, bool fastPath = true, bool start = true, IReadOnlyDictionary<string, string>? producer = null, LogSlot? logTailing = null)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddSimpleConsole().AddFilter((category, level) => level >= LogLevel.Warning && category?.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) != true);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        IServiceCollection services = builder.Services;
        if (!fastPath)
        {
            services.AddSingleton<IOutboxSignal, NoWakeUpSignal>(); // AddOutbox uses TryAdd: this one stays
        }

        services.AddDbContext<TestDbContext>(database);
        IOutboxBuilder outbox = services
            .AddOutbox(o =>
            {
                o.RelayName = "bench";
                configure?.Invoke(o);
            })
            .UseEntityFrameworkCore<TestDbContext>();
        logTailing?.Use(outbox);
        outbox
            .UseKafka(k =>
            {
                k.BootstrapServers = bootstrapServers;
                foreach ((string key, string value) in producer ?? new Dictionary<string, string>())
                {
                    k.Producer.Set(key, value);
                }
            });

        // Decorators, registered after the library's: the last registration wins.
        services.AddSingleton<KafkaOutboxTransport>();
        services.AddSingleton<IOutboxTransport>(sp => new ProbingTransport(sp.GetRequiredService<KafkaOutboxTransport>(), probe));
        services.AddScoped<EntityFrameworkOutboxStore<TestDbContext>>();
        services.AddScoped(sp => ProbingStore.Create(sp.GetRequiredService<EntityFrameworkOutboxStore<TestDbContext>>(), probe));

        IHost host = builder.Build();
        if (start)
        {
            await host.StartAsync();
        }

        return host;
    }

    /// <summary>Counts rows not yet COMPLETE or DEAD.</summary>
    public static async Task<long> CountUnfinishedAsync(TestDatabase database)
    {
        await using TestDbContext context = database.CreateContext();
        return await context.Set<OutboxMessage>().LongCountAsync(m => m.Status == OutboxStatus.Init || m.Status == OutboxStatus.Publish);
    }

    /// <summary>CPU time (clock ticks, 100 per second) of PostgreSQL's processes (postmaster and children), per pid, from /proc.</summary>
    public Dictionary<int, long> PostgresCpuTicks() => PostgresProcesses.CpuTicks();

    /// <summary>PostgreSQL CPU seconds between two <see cref="PostgresCpuTicks"/> readings (processes that exited meanwhile lose their last slice).</summary>
    public static double PostgresCpuSeconds(Dictionary<int, long> before, Dictionary<int, long> after) =>
        after.Sum(p => p.Value - before.GetValueOrDefault(p.Key)) / 100.0;

    public static TimeSpan ProcessCpu() => Process.GetCurrentProcess().TotalProcessorTime;

    public async ValueTask DisposeAsync()
    {
        Kafka.Dispose();
        await Postgres.DisposeAsync();
    }
}
