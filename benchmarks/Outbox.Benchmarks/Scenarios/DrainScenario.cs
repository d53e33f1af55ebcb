using System.Data.Common;
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Outbox.Benchmarks.Infrastructure;
using Outbox.EntityFrameworkCore;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.EntityFrameworkCore.Storage;
using Outbox.Kafka;
using Outbox.Storage;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Kafka;
using Outbox.Transport;

namespace Outbox.Benchmarks.Scenarios;

/// <summary>
/// Drain: a pre-filled backlog relayed to the mock cluster by 1..n relays (each its own host and
/// producer, as separate application instances would be), next to two limits measured in the
/// same run: a plain Confluent.Kafka producer with the transport's settings, and the bare
/// claim-and-mark loop (the store's own SQL, no relay around it).
/// </summary>
internal static class DrainScenario
{
    /// <summary>What a relay runs with when the application does not say: <see cref="OutboxOptions.MaxConcurrentBatches"/>'s default.</summary>
    public static readonly int DefaultConcurrentBatches = new OutboxOptions().MaxConcurrentBatches;

    public sealed record Config(int Relays, int BatchSize, bool KeyOrder, int ConcurrentBatches)
    {
        public Config(int relays, int batchSize, bool keyOrder)
            : this(relays, batchSize, keyOrder, DefaultConcurrentBatches)
        {
        }
    }

    public sealed record Outcome(Config Config, double Rate, double BareRate, double ProducerRate, RelayProbe Probe, double ProcessCpuShare, double PostgresCpuShare)
    {
        public double TransportRate { get; init; } = double.NaN;
    }

    public static async Task<List<Outcome>> RunAsync(BenchEnvironment env, Workload work, Report report)
    {
        BenchSettings s = env.Settings;
        int backlog = s.Backlog;
        await using TestDatabase db = await env.NewDatabaseAsync();

        // Limit 1: the plain producer, same messages, same settings, everything enqueued then flushed.
        var producerRates = new List<double>();
        for (int r = 0; r < s.Repeat; r++)
        {
            producerRates.Add(await PlainProducerAsync(env, work, backlog, report));
        }

        double producerRate = Fmt.Median(producerRates);

        var configs = new List<Config>();
        configs.AddRange(s.Relays.Select(r => new Config(r, 500, true)));
        configs.AddRange(s.BatchSizes.Where(b => b != 500).Select(b => new Config(1, b, true)));
        configs.AddRange(s.ConcurrentBatches.Where(c => c != DefaultConcurrentBatches).Select(c => new Config(1, 500, true, c)));
        configs.Add(new Config(1, 500, false));

        // Diagnostic (not a limit): the library's Kafka transport alone, SendAsync on relay-sized batches one after another, no database.
        var transportRates = new Dictionary<int, double>();
        foreach (int batch in configs.Select(c => c.BatchSize).Distinct())
        {
            transportRates[batch] = await TransportAloneAsync(env, work, backlog, batch, report);
        }

        var outcomes = new List<Outcome>();
        foreach (Config config in configs)
        {
            // Limit 2: the bare claim-and-mark loop on the same backlog, same claimers and batch size.
            string topic = env.NewTopic("drain");
            await work.PrefillAsync(db, topic, backlog);
            double bare = await BareClaimAndMarkAsync(db, config, backlog);
            report.Check(await BenchEnvironment.CountUnfinishedAsync(db) == 0, $"bare claim-and-mark {config} left rows unfinished");

            await work.PrefillAsync(db, topic, backlog);
            outcomes.Add(await RelayDrainAsync(env, work, db, topic, config, backlog, bare, producerRate, report) with { TransportRate = transportRates[config.BatchSize] });
        }

        Report.Table table = report.Add(
            $"Drain: a backlog of {Fmt.N(backlog)} messages ({s.PayloadBytes} B, {Fmt.N(s.Keys)} keys, random key order) relayed to the mock cluster ({BenchEnvironment.Partitions} partitions, 3 brokers)",
            "relays", "batch", "batches in flight", "per-key order", "relay msg/s", "bare claim+mark msg/s", "plain producer msg/s", "vs lower limit", "target", "holds", "transport alone msg/s (diagnostic)");
        foreach (Outcome o in outcomes)
        {
            double limit = Math.Min(o.BareRate, o.ProducerRate);
            table.Row(o.Config.Relays.ToString(), o.Config.BatchSize.ToString(), o.Config.ConcurrentBatches.ToString(), o.Config.KeyOrder ? "on" : "off", Fmt.Rate(o.Rate), Fmt.Rate(o.BareRate), Fmt.Rate(o.ProducerRate),
                Fmt.Pct(o.Rate / limit), o.Config.KeyOrder ? "≥ 80 %" : "", o.Config.KeyOrder ? Fmt.Holds(o.Rate / limit >= 0.8) : "", Fmt.Rate(o.TransportRate));
        }

        table.Note($"Relay rate = backlog / (relay hosts started → last outcome recorded), each relay's producer connected to the topic beforehand (like the plain producer). Plain producer: median of {s.Repeat}, `Produce` of every message then `Flush`. " +
                   "Bare claim+mark: the EF Core store's `RecordOutcomesAndClaimAsync` in a loop (the claim statement and the outcome UPDATE the relay runs, in one round trip), one connection per claimer (relays × batches in flight), no relay, no Kafka. " +
                   "Transport alone: the library's `KafkaOutboxTransport.SendAsync` on batches of the same size, one after another, no database (what one relay could reach if claim and record cost nothing).");

        Report.Table phases = report.Add(
            "Drain profile: where a relay pass spends its time (sums over all relays and batches in flight, ms per pass)",
            "relays", "batch", "in flight", "order", "passes", "msgs/pass", "claim", "send (produce→all acks)", "record", "other", "empty claims", "CPU: this process", "CPU: PostgreSQL");
        foreach (Outcome o in outcomes)
        {
            RelayProbe p = o.Probe;
            double passes = Math.Max(1, p.Passes);
            double wall = o.Config.Relays * (backlog / o.Rate) * 1000; // relay-ms available
            double claim = p.ClaimTime.TotalMilliseconds, send = p.SendTime.TotalMilliseconds, record = p.RecordTime.TotalMilliseconds;
            phases.Row(o.Config.Relays.ToString(), o.Config.BatchSize.ToString(), o.Config.ConcurrentBatches.ToString(), o.Config.KeyOrder ? "on" : "off", Fmt.N(p.Passes), Fmt.Rate(p.Delivered / passes),
                Fmt.Ms(claim / passes), Fmt.Ms(send / passes), Fmt.Ms(record / passes), Fmt.Ms(Math.Max(0, wall - claim - send - record) / passes), Fmt.N(p.EmptyClaims),
                Fmt.Pct(o.ProcessCpuShare), Fmt.Pct(o.PostgresCpuShare));
        }

        phases.Note("claim = `IOutboxStore.RecordOutcomesAndClaimAsync` (the previous batch's outcomes and this claim, one round trip on PostgreSQL; a relay's first claim is `ClaimAsync`), record = `RecordOutcomesAsync` on its own (a relay's last batch before it waits), send = `IOutboxTransport.SendAsync` (produce every message, await every delivery report). " +
                    "CPU shares are of the machine's 2 cores over the drain (this process includes the in-process mock brokers).");
        return outcomes;
    }

    public static async Task<double> PlainProducerAsync(BenchEnvironment env, Workload work, int count, Report report)
    {
        string topic = env.NewTopic("plain");
        using IProducer<string?, byte[]> producer = env.NewProducer();
        producer.Produce(topic, work.KafkaMessage(0, Guid.CreateVersion7())); // connect + metadata, not timed
        producer.Flush(TimeSpan.FromSeconds(30));
        long acked = 0;
        void OnReport(DeliveryReport<string?, byte[]> r)
        {
            if (r.Status == PersistenceStatus.Persisted)
            {
                Interlocked.Increment(ref acked);
            }
        }

        Message<string?, byte[]>[] messages = Enumerable.Range(0, count).Select(i => work.KafkaMessage(i, Guid.CreateVersion7())).ToArray();
        long started = Stopwatch.GetTimestamp();
        await Task.Run(() =>
        {
            foreach (Message<string?, byte[]> message in messages)
            {
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, message, OnReport);
                        break;
                    }
                    catch (ProduceException<string?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(5));
                    }
                }
            }

            producer.Flush(TimeSpan.FromMinutes(2));
        });
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        report.Check(acked == count, $"plain producer: {acked} of {count} acked");
        return count / elapsed.TotalSeconds;
    }

    /// <summary>The transport-alone diagnostic on its own (scenario "transport"): SendAsync rate per batch size, next to the plain producer.</summary>
    public static async Task RunTransportOnlyAsync(BenchEnvironment env, Workload work, Report report)
    {
        BenchSettings s = env.Settings;
        Report.Table table = report.Add($"Transport alone: `KafkaOutboxTransport.SendAsync` on back-to-back batches of {Fmt.N(s.Backlog)} messages, no database", "batch", "msg/s", "ms per SendAsync", "plain producer msg/s");
        double plain = await PlainProducerAsync(env, work, s.Backlog, report);
        foreach (int batch in s.BatchSizes)
        {
            double rate = await TransportAloneAsync(env, work, s.Backlog, batch, report);
            table.Row(batch.ToString(), Fmt.Rate(rate), Fmt.Ms(batch / rate * 1000), Fmt.Rate(plain));
        }
    }

    private static async Task<double> TransportAloneAsync(BenchEnvironment env, Workload work, int count, int batchSize, Report report)
    {
        string topic = env.NewTopic("transport");
        using var transport = new KafkaOutboxTransport(
            Options.Create(env.KafkaOptions()), TimeProvider.System, NullLogger<KafkaOutboxTransport>.Instance);
        await transport.SendAsync([work.ClaimedMessage(topic, 0)], Workload.SendWindow); // producer creation and connection, not timed
        OutboxMessage[] messages = Enumerable.Range(0, count).Select(i => work.ClaimedMessage(topic, i)).ToArray();
        long delivered = 0;
        long started = Stopwatch.GetTimestamp();
        for (int offset = 0; offset < count; offset += batchSize)
        {
            IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(new ArraySegment<OutboxMessage>(messages, offset, Math.Min(batchSize, count - offset)), Workload.SendWindow);
            delivered += results.Count(r => r.Status == OutboxSendStatus.Delivered);
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        report.Check(delivered == count, $"transport alone: {delivered} of {count} delivered");
        return count / elapsed.TotalSeconds;
    }

    /// <summary>
    /// The database's limit: the EF Core store's own calls in a loop, no relay and no Kafka around
    /// them. Each claimer does what a relay loop does between sends: record the previous batch's
    /// outcomes together with the next claim (<c>RecordOutcomesAndClaimAsync</c>, one round trip
    /// on PostgreSQL), with every message marked COMPLETE.
    /// </summary>
    private static async Task<double> BareClaimAndMarkAsync(TestDatabase db, Config config, int total)
    {
        var cache = new OutboxSql.Cache<TestDbContext>();
        IOptions<OutboxOptions> options = Options.Create(new OutboxOptions());
        long marked = 0;
        var contexts = new List<TestDbContext>();
        for (int k = 0; k < config.Relays * config.ConcurrentBatches; k++)
        {
            TestDbContext context = db.CreateContext();
            await context.Database.OpenConnectionAsync();
            contexts.Add(context);
        }

        long started = Stopwatch.GetTimestamp();
        await Task.WhenAll(contexts.Select((context, k) => Task.Run(async () =>
        {
            var store = new EntityFrameworkOutboxStore<TestDbContext>(context, cache, options);
            string owner = $"bare/{k}";
            OutboxOutcome[] previous = [];
            while (Interlocked.Read(ref marked) < total || previous.Length > 0)
            {
                var claim = new OutboxClaim(owner, config.BatchSize, TimeSpan.FromMinutes(2), config.KeyOrder);
                (int applied, IReadOnlyList<OutboxMessage> claimed) = await ((IOutboxStore)store).RecordOutcomesAndClaimAsync(previous, claim);
                Interlocked.Add(ref marked, applied);
                previous = claimed.Select(m => new OutboxOutcome(m.Id, owner, OutboxStatus.Complete, m.Attempts, TimeSpan.Zero, null)).ToArray();
                if (claimed.Count == 0 && Interlocked.Read(ref marked) < total)
                {
                    await Task.Delay(1); // every due row is held by another claimer (or blocked behind one of its keys)
                }
            }
        })));
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        foreach (TestDbContext context in contexts)
        {
            await context.DisposeAsync();
        }

        return total / elapsed.TotalSeconds;
    }

    private static async Task<Outcome> RelayDrainAsync(BenchEnvironment env, Workload work, TestDatabase db, string topic, Config config, int backlog, double bare, double producerRate, Report report)
    {
        var probe = new RelayProbe { TrackPerMessage = env.Settings.Quick };
        var hosts = new List<IHost>();
        for (int r = 0; r < config.Relays; r++)
        {
            hosts.Add(await env.StartHostAsync(db, probe, o =>
            {
                o.BatchSize = config.BatchSize;
                o.PreserveKeyOrder = config.KeyOrder;
                o.MaxConcurrentBatches = config.ConcurrentBatches;
            }, start: false));
            await BenchEnvironment.WarmUpProducerAsync(hosts[^1], topic, work);
        }

        TimeSpan cpu0 = BenchEnvironment.ProcessCpu();
        Dictionary<int, long> pg0 = env.PostgresCpuTicks();
        long started = Stopwatch.GetTimestamp();
        await Task.WhenAll(hosts.Select(h => h.StartAsync()));
        Task all = probe.WhenDelivered(backlog);
        bool done = await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(10))) == all;
        await Task.WhenAll(hosts.Select(h => h.StopAsync())); // the pass in flight records its outcomes before the relay stops
        long ended = probe.LastRecordEnded;
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started, ended);
        double cpuShare = (BenchEnvironment.ProcessCpu() - cpu0).TotalSeconds / elapsed.TotalSeconds / Environment.ProcessorCount;
        double pgShare = BenchEnvironment.PostgresCpuSeconds(pg0, env.PostgresCpuTicks()) / elapsed.TotalSeconds / Environment.ProcessorCount;
        foreach (IHost host in hosts)
        {
            host.Dispose();
        }

        long unfinished = await BenchEnvironment.CountUnfinishedAsync(db);
        report.Check(done && probe.Delivered == backlog && unfinished == 0, $"drain {config}: {probe.Delivered} of {backlog} delivered, {unfinished} rows unfinished");
        if (env.Settings.Quick)
        {
            long onTopic = KafkaTopicReader.GetEndOffsetSum(env.Kafka.BootstrapServers, topic, TimeSpan.FromSeconds(10));
            report.Check(onTopic >= backlog, $"drain {config}: topic holds {onTopic} messages, expected {backlog}");
        }

        return new Outcome(config, backlog / elapsed.TotalSeconds, bare, producerRate, probe, cpuShare, pgShare);
    }
}
