using System.Collections.Concurrent;
using System.Diagnostics;
using Outbox.Benchmarks.Infrastructure;
using Outbox.Benchmarks.Scenarios.Peers;
using Outbox.TestSupport.Data;

namespace Outbox.Benchmarks.Scenarios;

/// <summary>
/// This library beside Wolverine and the no-outbox baselines on one workload (issue 18): 8 writers,
/// each transaction one order row and one event, every message its own key; the same PostgreSQL
/// server and the same Kafka mock cluster, which runs in a child process so its CPU is not the
/// benchmark's. Runs interleave the systems (A B C …, A B C …) and each run gets a fresh database
/// and topic. End to end is counted at a plain consumer; latency is commit → that consumer's
/// receipt at an offered 1,000 msg/s; CPU and database writes are per delivered message.
/// </summary>
internal static class PeersScenario
{
    public const int Writers = 8;
    public const int LatencyRate = 1_000;

    /// <summary>At most this many latency transactions run at once, as in <see cref="LatencyScenario"/>.</summary>
    private const int MaxLatencyWriters = 64;

    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(30);

    /// <summary>The ids of the systems, for the targets.</summary>
    public static class Ids
    {
        public const string Outbox = "outbox";
        public const string LogTailing = "outbox-log-tailing";
        public const string Direct = "outbox-direct";
        public const string DirectDelete = "outbox-direct-delete";
        public const string RelayOff = "outbox-relay-off";
        public const string Wolverine = "wolverine";
        public const string NoOutbox = "no-outbox";
        public const string BusinessOnly = "business-only";
        public const string WriteFloor = "write-floor";
    }

    /// <summary>One throughput run of one system.</summary>
    /// <param name="Rate">Transactions per second: to the last message received, or to the last commit when nothing is delivered.</param>
    /// <param name="Messages">What the CPU and writes are divided by: the run's transactions plus its warm-up's.</param>
    /// <param name="PostgresCpuSeconds"><see langword="null"/> when the server's processes cannot be read.</param>
    public sealed record ThroughputRun(double Rate, long Measured, long Messages, double ProcessCpuSeconds, double? PostgresCpuSeconds, IReadOnlyList<string> OutboxTables, Dictionary<string, TableWrites> Writes, long Duplicates);

    /// <summary>One latency run of one system: commit → receipt in ms, sorted.</summary>
    public sealed record LatencyRun(double Achieved, double[] CommitToReceipt);

    /// <summary>The medians of one system's runs.</summary>
    public sealed record Summary(string Name, double Rate, double ProcessCpuPer1000, double? PostgresCpuPer1000, double? WritesPerMessage, double? LatencyP50, double? LatencyP99);

    public static async Task<Dictionary<string, Summary>> RunAsync(BenchEnvironment env, Workload work, Report report)
    {
        BenchSettings s = env.Settings;
        int warmup = s.Quick ? 200 : 1_000;
        var peerWork = new PeerWorkload(work, s.PayloadBytes);
        await using KafkaClusterProcess kafka = await KafkaClusterProcess.StartAsync(3);
        PeerSystem[] systems =
        [
            new(Ids.Outbox, "outbox (this library), relay on in the writers' host, defaults", run => OutboxSystem.StartAsync(run, relay: true, directSend: false, deleteOnComplete: false)),
            new(Ids.LogTailing, "outbox, log-tailing relay (issue #19: the event a logical decoding message, no outbox row)", run => OutboxSystem.StartAsync(run, relay: true, directSend: false, deleteOnComplete: false, logTailing: true)),
            new(Ids.Direct, "outbox, DirectSend on (experimental: sent from memory after the commit)", run => OutboxSystem.StartAsync(run, relay: true, directSend: true, deleteOnComplete: false)),
            new(Ids.DirectDelete, "outbox, DirectSend on and CompletedRetention = 0 (a delivered row is deleted, as Wolverine does)", run => OutboxSystem.StartAsync(run, relay: true, directSend: true, deleteOnComplete: true)),
            new(Ids.RelayOff, "outbox, relay off: the same writes, nothing sent (write rate)", run => OutboxSystem.StartAsync(run, relay: false, directSend: false, deleteOnComplete: false)),
            new(Ids.Wolverine, "Wolverine 6.62, EF Core durable outbox → Kafka", WolverineSystem.StartAsync),
            new(Ids.NoOutbox, "no outbox: commit, then produce and await the delivery report", run => NoOutboxSystem.StartAsync(run, publish: true)),
            new(Ids.BusinessOnly, "business row only, no event (the ceiling of writes)", run => NoOutboxSystem.StartAsync(run, publish: false)),
            new(Ids.WriteFloor, "write floor: orders + outbox row by bare SQL, one batch (no EF Core, no library)", run => BareSqlSystem.StartAsync(run, work)),
        ];
        if (s.PeerSystems is { } only)
        {
            systems = systems.Where(p => only.Contains(p.Id)).ToArray();
        }

        PeerSystem[] latencySystems = systems.Where(p => p.Id is Ids.Outbox or Ids.LogTailing or Ids.Direct or Ids.DirectDelete or Ids.Wolverine or Ids.NoOutbox).ToArray();

        var throughput = systems.ToDictionary(p => p.Id, _ => new List<ThroughputRun>());
        for (int round = 0; round < s.Repeat; round++)
        {
            foreach (PeerSystem system in systems)
            {
                Console.Error.WriteLine($"[bench] peers throughput {round + 1}/{s.Repeat}: {system.Id}");
                ThroughputRun? run = await GuardAsync(report, $"peers {system.Id} run {round + 1}", () => ThroughputAsync(env, kafka, system, peerWork, warmup, s.PeerMessages, report));
                if (run is not null)
                {
                    throughput[system.Id].Add(run);
                }
            }
        }

        var latency = latencySystems.ToDictionary(p => p.Id, _ => new List<LatencyRun>());
        for (int round = 0; round < s.Repeat; round++)
        {
            foreach (PeerSystem system in latencySystems)
            {
                Console.Error.WriteLine($"[bench] peers latency {round + 1}/{s.Repeat}: {system.Id}");
                LatencyRun? run = await GuardAsync(report, $"peers latency {system.Id} run {round + 1}", () => LatencyAsync(env, kafka, system, peerWork, report));
                if (run is not null)
                {
                    latency[system.Id].Add(run);
                }
            }
        }

        return Print(env, report, systems, warmup, throughput, latency);
    }

    /// <summary>Runs one measurement; an exception fails the run (the benchmark then exits 1) without stopping the others.</summary>
    private static async Task<T?> GuardAsync<T>(Report report, string what, Func<Task<T>> measure)
        where T : class
    {
        try
        {
            return await measure();
        }
        catch (Exception ex)
        {
            report.Check(false, $"{what}: {ex.GetType().Name}: {ex.Message}");
            return null;
        }
    }

    private static async Task<(TestDatabase Database, PeerRun Run)> NewRunAsync(BenchEnvironment env, KafkaClusterProcess kafka, string id)
    {
        TestDatabase database = await env.NewDatabaseAsync();
        string topic = $"peers-{id}-{Guid.NewGuid():N}";
        await kafka.CreateTopicAsync(topic, BenchEnvironment.Partitions);
        return (database, new PeerRun(database.ConnectionString, topic, kafka.BootstrapServers, env.Settings.Producer));
    }

    private static async Task<ThroughputRun> ThroughputAsync(BenchEnvironment env, KafkaClusterProcess kafka, PeerSystem definition, PeerWorkload work, int warmup, int messages, Report report)
    {
        (TestDatabase database, PeerRun run) = await NewRunAsync(env, kafka, definition.Id);
        await using TestDatabase db = database;
        IPeerSystem system = await definition.StartAsync(run);
        ConsumerReceipts? receipts = system.Delivers ? ConsumerReceipts.Start(run.BootstrapServers, run.Topic, BenchEnvironment.Partitions) : null;
        string[] keys = new string[messages];
        double rate, processCpu;
        double? postgresCpu;
        try
        {
            // Warm-up, not timed (JIT, pools, the producer's connection), but its messages count in the writes per message.
            await Load.ClosedLoopCountAsync(Writers, warmup, i => system.WriteAsync(work.Order(i)));
            if (receipts is not null)
            {
                report.Check(await receipts.WaitForAsync(warmup, Stall), $"peers {definition.Id}: {receipts.Count} of {warmup} warm-up messages arrived");
                await system.WaitSettledAsync(CancellationToken.None);
            }

            TimeSpan cpu0 = BenchEnvironment.ProcessCpu();
            Dictionary<int, long> pg0 = env.PostgresCpuTicks();
            long started = Stopwatch.GetTimestamp();
            await Load.ClosedLoopCountAsync(Writers, messages, async i =>
            {
                PeerOrder order = work.Order(warmup + i);
                keys[i] = order.Key;
                await system.WriteAsync(order);
            });
            long ended = Stopwatch.GetTimestamp();
            if (receipts is not null)
            {
                bool all = await receipts.WaitForAsync(warmup + messages, Stall);
                using var settle = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await system.WaitSettledAsync(settle.Token);
                int missing = keys.Count(k => receipts.ReceivedAt(k) is null);
                report.Check(all && missing == 0, $"peers {definition.Id}: {messages - missing} of {messages} messages arrived at the consumer ({missing} missing)");
                ended = keys.Select(k => receipts.ReceivedAt(k) ?? 0).Max();
            }

            processCpu = (BenchEnvironment.ProcessCpu() - cpu0).TotalSeconds;
            postgresCpu = env.PostgresProcesses.Unavailable is null ? BenchEnvironment.PostgresCpuSeconds(pg0, env.PostgresCpuTicks()) : null;
            rate = messages / Stopwatch.GetElapsedTime(started, ended).TotalSeconds;
        }
        finally
        {
            await system.DisposeAsync();
            receipts?.Dispose();
        }

        long reading = Stopwatch.GetTimestamp();
        Dictionary<string, TableWrites> writes = await TableWrites.ReadSettledAsync(db.ConnectionString);
        Console.Error.WriteLine($"[bench] peers {definition.Id}: {Fmt.Rate(rate)} tx/s; {Stopwatch.GetElapsedTime(reading).TotalSeconds:0.0} s to read the writes: {string.Join(", ", writes.Where(w => w.Value.Total > 0).Select(w => $"{w.Key} {w.Value.Inserted}/{w.Value.Updated}/{w.Value.Deleted}"))}");
        return new ThroughputRun(rate, messages, warmup + messages, processCpu, postgresCpu, system.OutboxTables, writes, receipts?.Duplicates ?? 0);
    }

    private static async Task<LatencyRun> LatencyAsync(BenchEnvironment env, KafkaClusterProcess kafka, PeerSystem definition, PeerWorkload work, Report report)
    {
        BenchSettings s = env.Settings;
        (TestDatabase database, PeerRun run) = await NewRunAsync(env, kafka, definition.Id);
        await using TestDatabase db = database;
        IPeerSystem system = await definition.StartAsync(run);
        using ConsumerReceipts receipts = ConsumerReceipts.Start(run.BootstrapServers, run.Topic, BenchEnvironment.Partitions);
        try
        {
            const int warmup = 100;
            await Load.ClosedLoopCountAsync(Writers, warmup, i => system.WriteAsync(work.Order(i)));
            report.Check(await receipts.WaitForAsync(warmup, Stall), $"peers latency {definition.Id}: {receipts.Count} of {warmup} warm-up messages arrived");

            // Open loop, as LatencyScenario: each transaction starts at its scheduled time; the first
            // second (a fifth of a short run) is not counted.
            var committed = new ConcurrentDictionary<string, (long Scheduled, long Committed)>(StringComparer.Ordinal);
            TimeSpan notCounted = TimeSpan.FromSeconds(Math.Min(1, s.LatencyDuration.TotalSeconds * 0.2));
            long countFrom = Stopwatch.GetTimestamp() + (long)(notCounted.TotalSeconds * Stopwatch.Frequency);
            long started = Stopwatch.GetTimestamp();
            using var slots = new SemaphoreSlim(MaxLatencyWriters);
            await Load.OpenLoopAsync(LatencyRate, s.LatencyDuration, async (i, scheduled) =>
            {
                await slots.WaitAsync();
                try
                {
                    PeerOrder order = work.Order(warmup + i);
                    committed[order.Key] = (scheduled, await system.WriteAsync(order));
                }
                finally
                {
                    slots.Release();
                }
            });
            double achieved = committed.Count / Stopwatch.GetElapsedTime(started).TotalSeconds;
            await receipts.WaitForAsync(warmup + committed.Count, Stall);
            int missing = committed.Keys.Count(k => receipts.ReceivedAt(k) is null);
            long expected = (long)(LatencyRate * s.LatencyDuration.TotalSeconds);
            report.Check(missing == 0 && committed.Count == expected, $"peers latency {definition.Id}: {committed.Count} of {expected} committed, {committed.Count - missing} arrived at the consumer");
            double[] latencies = committed
                .Where(c => c.Value.Scheduled >= countFrom && receipts.ReceivedAt(c.Key) is not null)
                .Select(c => Math.Max(0, Stopwatch.GetElapsedTime(c.Value.Committed, receipts.ReceivedAt(c.Key)!.Value).TotalMilliseconds))
                .Order()
                .ToArray();
            return new LatencyRun(achieved, latencies);
        }
        finally
        {
            await system.DisposeAsync();
        }
    }

    private static Dictionary<string, Summary> Print(BenchEnvironment env, Report report, PeerSystem[] systems, int warmup, Dictionary<string, List<ThroughputRun>> throughput, Dictionary<string, List<LatencyRun>> latency)
    {
        BenchSettings s = env.Settings;
        var summaries = new Dictionary<string, Summary>(StringComparer.Ordinal);
        foreach (PeerSystem system in systems)
        {
            List<ThroughputRun> runs = throughput[system.Id];
            IReadOnlyList<string> tables = runs.FirstOrDefault()?.OutboxTables ?? [];
            List<LatencyRun>? latencyRuns = latency.GetValueOrDefault(system.Id);
            summaries[system.Id] = new Summary(
                system.Name,
                Fmt.Median(runs.Select(r => r.Rate)),
                Fmt.Median(runs.Select(r => r.ProcessCpuSeconds * 1000 / r.Measured)),
                runs.All(r => r.PostgresCpuSeconds is not null) && runs.Count > 0 ? Fmt.Median(runs.Select(r => r.PostgresCpuSeconds!.Value * 1000 / r.Measured)) : null,
                tables.Count == 0 ? null : Fmt.Median(runs.Select(r => (double)tables.Sum(t => r.Writes.GetValueOrDefault(t)?.Total ?? 0) / r.Messages)),
                latencyRuns is null ? null : Fmt.Median(latencyRuns.Select(r => Fmt.Percentile(r.CommitToReceipt, 50))),
                latencyRuns is null ? null : Fmt.Median(latencyRuns.Select(r => Fmt.Percentile(r.CommitToReceipt, 99))));
        }

        double business = summaries.TryGetValue(Ids.BusinessOnly, out Summary? only) ? only.Rate : double.NaN;
        string postgresNa = env.PostgresProcesses.Unavailable is { } why ? $"n/a ({why})" : "n/a";
        Report.Table table = report.Add(
            $"Peers, {Writers} writers, {Fmt.N(s.PeerMessages)} messages per run, one key per order (each message its own key), ~{s.PayloadBytes}-byte event: end to end counted at a consumer (median of {s.Repeat} interleaved runs)",
            "system", "tx/s", "runs", "vs business row only", "CPU s / 1,000 msg: benchmark process", "PostgreSQL", "total", "writes / message");
        foreach (PeerSystem system in systems)
        {
            Summary m = summaries[system.Id];
            double? total = m.PostgresCpuPer1000 is { } pg ? m.ProcessCpuPer1000 + pg : null;
            table.Row(
                m.Name,
                Fmt.Rate(m.Rate),
                string.Join(" / ", throughput[system.Id].Select(r => Fmt.Rate(r.Rate))),
                Fmt.Pct(m.Rate / business),
                Cpu(m.ProcessCpuPer1000),
                m.PostgresCpuPer1000 is { } p ? Cpu(p) : postgresNa,
                total is { } t ? Cpu(t) : "n/a",
                m.WritesPerMessage is { } w ? $"{w:0.00} ({string.Join(" + ", throughput[system.Id][0].OutboxTables)})" : "— (no outbox table)");
        }

        table.Note("Rate: delivering systems = messages / (first write → the consumer's last receipt); relay off, business row only and the floor deliver nothing: transactions / (first write → last commit). " +
                   "Consumer: Confluent.Kafka, a group of its own, every partition from the beginning, `fetch.wait.max.ms=5`; every message's key (the order id) must arrive or the run fails. " +
                   $"Each run: a fresh database and topic ({BenchEnvironment.Partitions} partitions) on the same servers, after a CHECKPOINT; a warm-up of {Fmt.N(warmup)} transactions, not timed. " +
                   "Kafka: librdkafka's mock cluster (3 brokers) in a child process of the benchmark, so its CPU is in neither column. " +
                   "CPU from the first write until the system has recorded its last message (benchmark process: writers, the system's relay or sender, the consumer; PostgreSQL: every process of the server), per 1,000 transactions of the run. " +
                   "Writes: `pg_stat_user_tables` n_tup_ins + n_tup_upd + n_tup_del of the tables named, over the run's database (warm-up included), divided by its messages; read after every connection closed. " +
                   "Wolverine: WolverineFx 6.62.0 (+ .Kafka, .EntityFrameworkCore, .Postgresql, .RuntimeCompilation), `PersistMessagesWithPostgresql`, `AddDbContextWithWolverineIntegration`, `UseEntityFrameworkCoreTransactions`, " +
                   "`PublishMessage<T>().ToKafkaTopic(t).UseDurableOutbox()`, `UseIdempotentProducer()` (the outbox's producer is idempotent too), each transaction through `IDbContextOutbox<T>`: `PublishAsync` then `SaveChangesAndFlushMessagesAsync`.");
        foreach (PeerSystem system in systems.Where(p => throughput[p.Id].Any(r => r.Duplicates > 0)))
        {
            table.Note($"{system.Id}: the consumer saw {string.Join(" / ", throughput[system.Id].Select(r => Fmt.N(r.Duplicates)))} duplicate deliveries (at least once).");
        }

        Report.Table byTable = report.Add(
            "Peers: database writes per message by table (rows inserted / updated / deleted per message, median run by rate)",
            "system", "table", "inserted", "updated", "deleted");
        foreach (PeerSystem system in systems)
        {
            List<ThroughputRun> runs = throughput[system.Id];
            if (runs.Count == 0)
            {
                continue;
            }

            ThroughputRun median = runs.OrderBy(r => r.Rate).ElementAt(runs.Count / 2);
            foreach ((string name, TableWrites w) in median.Writes.Where(w => w.Value.Total > 0).OrderBy(w => w.Key, StringComparer.Ordinal))
            {
                double n = median.Messages;
                byTable.Row(system.Id, name, $"{w.Inserted / n:0.00}", $"{w.Updated / n:0.00}", $"{w.Deleted / n:0.00}");
            }
        }

        byTable.Note("Every table of the run's database with writes, the business `orders` table included (1 insert per message). Per-node tables (Wolverine's node and agent records, heartbeats) are listed but not counted as per-message writes.");

        Report.Table latencyTable = report.Add(
            $"Peers: latency commit → consumer receipt (ms) at an offered {Fmt.N(LatencyRate)} msg/s, open loop, {s.LatencyDuration.TotalSeconds:0.#} s per run (median of {s.Repeat} interleaved runs)",
            "system", "p50", "p99", "runs p50", "runs p99", "max", "achieved commits/s");
        foreach ((string id, List<LatencyRun> runs) in latency)
        {
            Summary m = summaries[id];
            latencyTable.Row(
                m.Name,
                Fmt.Ms(m.LatencyP50 ?? double.NaN),
                Fmt.Ms(m.LatencyP99 ?? double.NaN),
                string.Join(" / ", runs.Select(r => Fmt.Ms(Fmt.Percentile(r.CommitToReceipt, 50)))),
                string.Join(" / ", runs.Select(r => Fmt.Ms(Fmt.Percentile(r.CommitToReceipt, 99)))),
                Fmt.Ms(runs.Select(r => r.CommitToReceipt.Length == 0 ? double.NaN : r.CommitToReceipt[^1]).DefaultIfEmpty(double.NaN).Max()),
                Fmt.Rate(Fmt.Median(runs.Select(r => r.Achieved))));
        }

        latencyTable.Note("Commit = the writer's save returned (`SaveChangesAsync`; Wolverine's `SaveChangesAndFlushMessagesAsync`; for no outbox, before its produce); receipt = the consumer above got the message; one process, one clock. " +
                          $"At most {MaxLatencyWriters} transactions at once; the first second of each run (a fifth of a short run) is not counted; each run has its own fresh database, topic and host.");
        return summaries;
    }

    /// <summary>The issue's targets as ratios of this run's medians: information, never a failure.</summary>
    public static void AddTargets(Report.Table targets, Dictionary<string, Summary> peers)
    {
        if (!new[] { Ids.Outbox, Ids.Wolverine, Ids.RelayOff, Ids.NoOutbox, Ids.WriteFloor }.All(peers.ContainsKey))
        {
            targets.Row("peers", "n/a: --peer-systems left out a system the targets compare", "", "", "", "n/a");
            return;
        }

        Summary outbox = peers[Ids.Outbox], wolverine = peers[Ids.Wolverine], relayOff = peers[Ids.RelayOff], noOutbox = peers[Ids.NoOutbox], floor = peers[Ids.WriteFloor];
        void Ratio(string target, string measured, string limit, double ratio, string required, bool holds) =>
            targets.Row(target, measured, limit, double.IsNaN(ratio) ? "n/a" : Fmt.Pct(ratio), required, double.IsNaN(ratio) ? "n/a" : Fmt.Holds(holds));

        double vsWolverine = outbox.Rate / wolverine.Rate;
        Ratio($"peers: end to end, {Writers} writers, counted at a consumer, vs Wolverine", $"{Fmt.Rate(outbox.Rate)} tx/s", $"{Fmt.Rate(wolverine.Rate)} tx/s (Wolverine)", vsWolverine, "≥ 115 %", vsWolverine >= 1.15);
        double vsRelayOff = outbox.Rate / relayOff.Rate;
        Ratio("peers: end to end vs the library's own write rate (relay off)", $"{Fmt.Rate(outbox.Rate)} tx/s",
            $"{Fmt.Rate(relayOff.Rate)} tx/s relay off; write floor (bare SQL, one batch) {Fmt.Rate(floor.Rate)} tx/s", vsRelayOff, "≥ 90 %", vsRelayOff >= 0.9);
        double p50 = (outbox.LatencyP50 ?? double.NaN) / (noOutbox.LatencyP50 ?? double.NaN);
        Ratio($"peers: latency p50 commit → consumer, {Fmt.N(LatencyRate)} msg/s, vs no outbox", $"{Fmt.Ms(outbox.LatencyP50 ?? double.NaN)} ms",
            $"{Fmt.Ms(noOutbox.LatencyP50 ?? double.NaN)} ms (no outbox); Wolverine {Fmt.Ms(wolverine.LatencyP50 ?? double.NaN)} ms", p50, "≤ 150 %", p50 <= 1.5);
        double p99 = (outbox.LatencyP99 ?? double.NaN) / (noOutbox.LatencyP99 ?? double.NaN);
        Ratio($"peers: latency p99 commit → consumer, {Fmt.N(LatencyRate)} msg/s, vs no outbox", $"{Fmt.Ms(outbox.LatencyP99 ?? double.NaN)} ms",
            $"{Fmt.Ms(noOutbox.LatencyP99 ?? double.NaN)} ms (no outbox); Wolverine {Fmt.Ms(wolverine.LatencyP99 ?? double.NaN)} ms", p99, "≤ 200 %", p99 <= 2);
        bool withPostgres = outbox.PostgresCpuPer1000 is not null && wolverine.PostgresCpuPer1000 is not null;
        double ours = outbox.ProcessCpuPer1000 + (withPostgres ? outbox.PostgresCpuPer1000!.Value : 0);
        double theirs = wolverine.ProcessCpuPer1000 + (withPostgres ? wolverine.PostgresCpuPer1000!.Value : 0);
        string what = withPostgres ? "process + PostgreSQL" : "process only: PostgreSQL n/a";
        Ratio($"peers: CPU per message ({what}) vs Wolverine", $"{Cpu(ours)} s / 1,000 msg", $"{Cpu(theirs)} s / 1,000 msg (Wolverine)", ours / theirs, "≤ 100 %", ours <= theirs);
        double writes = outbox.WritesPerMessage ?? double.NaN;
        targets.Row("peers: database writes per delivered message (outbox table)", $"{writes:0.00}", $"Wolverine {wolverine.WritesPerMessage ?? double.NaN:0.00}", "", "≤ 2", double.IsNaN(writes) ? "n/a" : Fmt.Holds(writes <= 2));
    }

    private static string Cpu(double seconds) => seconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
}
