using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Outbox.Benchmarks.Infrastructure;
using Outbox.TestSupport.Data;
using Outbox.Transport;
using Outbox.TestSupport.Hosting;

namespace Outbox.Benchmarks.Scenarios;

/// <summary>
/// Latency commit → ack at a steady offered load (open loop: each transaction starts at its
/// scheduled time). "Commit" is when <c>SaveChangesAsync</c> returned to the writer; "ack" is
/// when the relay's <c>IOutboxTransport.SendAsync</c> returned with the message delivered (the
/// relay then holds the broker's ack; every message of a batch gets the batch's time, i.e. its
/// last ack). For the no-outbox baseline, ack is when the writer's <c>ProduceAsync</c> returned.
/// </summary>
internal static class LatencyScenario
{
    /// <summary>At most this many transactions run at once; later ones wait for a slot (their wait counts in scheduled → ack).</summary>
    private const int MaxWriters = 64;

    public enum Mode
    {
        FastPath,
        PollingOnly,

        /// <summary>The PostgreSQL log-tailing relay (issue #19): the event as a logical decoding message, streamed from a slot of the run's own.</summary>
        LogTailing,
        NoOutbox,
    }

    /// <summary>Issue #19's bound on the log-tailing relay's p99 at 1,000 msg/s, as a multiple of the no-outbox baseline's p99 in the same run.</summary>
    public const double LogTailingP99Bound = 1.5;

    public sealed record Outcome(Mode Mode, int Rate, double Achieved, double[] CommitToAck, double[] ScheduledToAck, Breakdown? Breakdown)
    {
        public double ProcessCpuShare { get; init; }

        public double PostgresCpuShare { get; init; }

        public long Passes { get; init; }

        public long EmptyClaims { get; init; }
    }

    /// <summary>Medians and p99 of the parts of commit → ack (ms).</summary>
    public sealed record Breakdown(double[] WaitForRelay, double[] Claim, double[] ClaimToSend, double[] Send);

    public static async Task<List<Outcome>> RunAsync(BenchEnvironment env, Workload work, Report report)
    {
        BenchSettings s = env.Settings;
        var outcomes = new List<Outcome>();
        await using TestDatabase db = await env.NewDatabaseAsync();

        // A run not reported: the first seconds of a process run tier-0 JIT code and cold pools
        // (the first measured run was 5-10 times slower than the same run repeated). Not in --quick,
        // which only checks delivery and must stay under 60 s.
        if (!s.Quick)
        {
            await RunOneAsync(env, work, db, s.Rates[0], Mode.FastPath, report);
        }

        foreach (int rate in s.Rates)
        {
            foreach (Mode mode in Enum.GetValues<Mode>())
            {
                outcomes.Add(await RunOneAsync(env, work, db, rate, mode, report));
            }
        }

        Report.Table table = report.Add(
            $"Latency commit → ack (ms) at a steady offered load, open loop, {s.LatencyDuration.TotalSeconds:0.#} s per run (first {Warmup(s).TotalSeconds:0.#} s not counted, after one unreported warm-up run)",
            "mode", "offered msg/s", "achieved commits/s", "p50", "p95", "p99", "max", "scheduled → ack p99", "target", "holds");
        foreach (Outcome o in outcomes)
        {
            double p99 = Fmt.Percentile(o.CommitToAck, 99);
            (string target, string holds) = (o.Mode, o.Rate) switch
            {
                (Mode.FastPath, 1_000) => ("p99 ≤ 10 ms", Fmt.Holds(p99 <= 10)),
                (Mode.LogTailing, 1_000) when NoOutboxP99(outcomes, o.Rate) is { } baseline =>
                    ($"p99 ≤ {LogTailingP99Bound:0.#} × no outbox's ({Fmt.Ms(LogTailingP99Bound * baseline)} ms)", Fmt.Holds(p99 <= LogTailingP99Bound * baseline)),
                _ => ("", ""),
            };
            table.Row(Name(o.Mode), Fmt.N(o.Rate), Fmt.Rate(o.Achieved), Fmt.Ms(Fmt.Percentile(o.CommitToAck, 50)), Fmt.Ms(Fmt.Percentile(o.CommitToAck, 95)), Fmt.Ms(p99),
                Fmt.Ms(o.CommitToAck.Length == 0 ? double.NaN : o.CommitToAck[^1]), Fmt.Ms(Fmt.Percentile(o.ScheduledToAck, 99)), target, holds);
        }

        table.Note("Commit = `SaveChangesAsync` returned in the writer; ack = the relay's `SendAsync` returned with the message delivered (decorator around the Kafka transport), " +
                   "or `ProduceAsync` returned for the no-outbox baseline. At most 64 transactions run at once. Scheduled → ack adds the time a transaction waited to start and to commit (coordinated omission included). " +
                   "Polling only: the after-commit wake-up is swallowed, the relay polls every 1 s (the default) but runs pass after pass while it finds messages. " +
                   "Log tailing: `UsePostgreSqlLogTailing`, the event a logical decoding message in the save's own command, streamed from a slot created before the run's host and dropped after it (no claim: not in the profile below).");

        Report.Table parts = report.Add(
            "Latency profile: where commit → ack goes with the relay (ms, p50 / p99 per message)",
            "mode", "offered msg/s", "commit → claim starts", "claim statement", "claim → send starts", "send: produce → ack", "passes (empty claims)", "CPU: this process", "CPU: PostgreSQL");
        foreach (Outcome o in outcomes.Where(o => o.Breakdown is not null))
        {
            Breakdown b = o.Breakdown!;
            static string P(double[] v) => $"{Fmt.Ms(Fmt.Percentile(v, 50))} / {Fmt.Ms(Fmt.Percentile(v, 99))}";
            parts.Row(Name(o.Mode), Fmt.N(o.Rate), P(b.WaitForRelay), P(b.Claim), P(b.ClaimToSend), P(b.Send), $"{Fmt.N(o.Passes)} ({Fmt.N(o.EmptyClaims)})", Fmt.Pct(o.ProcessCpuShare), Fmt.Pct(o.PostgresCpuShare));
        }

        parts.Note("commit → claim starts: the wait for the relay (wake-up, or the pass in flight: its send and its outcome UPDATE) plus the writer's own post-commit work. " +
                   "The outcome UPDATE is not in commit → ack, but it delays the next claim.");
        return outcomes;
    }

    /// <summary>The no-outbox baseline's p99 commit → ack at <paramref name="rate"/>, or <see langword="null"/> when it did not run.</summary>
    public static double? NoOutboxP99(IEnumerable<Outcome> outcomes, int rate) =>
        outcomes.FirstOrDefault(o => o.Mode == Mode.NoOutbox && o.Rate == rate) is { } o ? Fmt.Percentile(o.CommitToAck, 99) : null;

    private static string Name(Mode mode) => mode switch
    {
        Mode.FastPath => "outbox, after-commit fast path",
        Mode.PollingOnly => "outbox, polling only",
        Mode.LogTailing => "outbox, log-tailing relay (logical decoding messages)",
        _ => "no outbox: produce after commit",
    };

    private static TimeSpan Warmup(BenchSettings s) => TimeSpan.FromSeconds(Math.Min(1, s.LatencyDuration.TotalSeconds * 0.2));

    private static async Task<Outcome> RunOneAsync(BenchEnvironment env, Workload work, TestDatabase db, int rate, Mode mode, Report report)
    {
        BenchSettings s = env.Settings;
        TimeSpan duration = s.LatencyDuration;
        var probe = new RelayProbe { TrackPerMessage = true };
        string topic = env.NewTopic("latency");
        await using LogSlot? slot = mode == Mode.LogTailing ? await LogSlot.CreateAsync(db.ConnectionString, "bench") : null; // disposed after the host
        using IHost host = await env.StartHostAsync(db, probe, o => o.EnableRelay = mode != Mode.NoOutbox, fastPath: mode != Mode.PollingOnly, logTailing: slot);
        using IProducer<string?, byte[]>? producer = mode == Mode.NoOutbox ? env.NewProducer() : null;
        if (producer is not null)
        {
            await producer.ProduceAsync(topic, work.KafkaMessage(0, Guid.CreateVersion7())); // connect, as the relay's producer is after its first pass
        }

        // Warm-up, not measured: JIT, connection pools, the relay's producer connection (created on its first pass).
        if (mode != Mode.NoOutbox)
        {
            for (int w = 0; w < 20; w++)
            {
                await work.WriteAsync(host.Services, -1 - w, topic);
            }

            Task warm = probe.WhenDelivered(20);
            await Task.WhenAny(warm, Task.Delay(TimeSpan.FromSeconds(10)));
            probe.Reset();
        }

        var committed = new ConcurrentDictionary<Guid, (long Scheduled, long Committed)>();
        var direct = new ConcurrentBag<(long Scheduled, long Committed, long Acked)>();
        long warmupEnd = Stopwatch.GetTimestamp() + (long)(Warmup(s).TotalSeconds * Stopwatch.Frequency);
        TimeSpan cpu0 = BenchEnvironment.ProcessCpu();
        Dictionary<int, long> pg0 = env.PostgresCpuTicks();
        long started = Stopwatch.GetTimestamp();
        long commits = 0;
        long failedWrites = 0;
        using var writers = new SemaphoreSlim(MaxWriters); // the application's writer pool: beyond it, transactions queue (and scheduled → ack shows it)
        await Load.OpenLoopAsync(rate, duration, async (i, scheduled) =>
        {
            await writers.WaitAsync();
            try
            {
                Guid? id = await work.WriteAsync(host.Services, i, mode == Mode.NoOutbox ? null : topic);
                long commit = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref commits);
                if (producer is not null)
                {
                    DeliveryResult<string?, byte[]> result = await producer.ProduceAsync(topic, work.KafkaMessage(i, Guid.CreateVersion7()));
                    long acked = Stopwatch.GetTimestamp();
                    if (result.Status == PersistenceStatus.Persisted)
                    {
                        direct.Add((scheduled, commit, acked));
                    }
                }
                else
                {
                    committed[id!.Value] = (scheduled, commit);
                }
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref failedWrites);
                Console.Error.WriteLine($"[bench] latency write failed: {ex.Message}");
            }
            finally
            {
                writers.Release();
            }
        });
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        double achieved = commits / seconds;
        double cpuShare = (BenchEnvironment.ProcessCpu() - cpu0).TotalSeconds / seconds / Environment.ProcessorCount;
        double pgShare = BenchEnvironment.PostgresCpuSeconds(pg0, env.PostgresCpuTicks()) / seconds / Environment.ProcessorCount;
        long expected = (long)(rate * duration.TotalSeconds);
        report.Check(failedWrites == 0 && commits == expected, $"latency {mode} {rate}/s: {commits} of {expected} transactions committed");

        if (producer is not null)
        {
            report.Check(direct.Count == commits, $"latency {mode} {rate}/s: {direct.Count} of {commits} acked");
            var kept = direct.Where(d => d.Scheduled >= warmupEnd).ToArray();
            return new Outcome(mode, rate, achieved,
                Sorted(kept.Select(d => Ms(d.Committed, d.Acked))), Sorted(kept.Select(d => Ms(d.Scheduled, d.Acked))), null) { ProcessCpuShare = cpuShare, PostgresCpuShare = pgShare };
        }

        Task all = probe.WhenDelivered(committed.Count);
        bool done = await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30))) == all;
        report.Check(done && committed.Keys.All(probe.Acked.ContainsKey), $"latency {mode} {rate}/s: {probe.Acked.Count} of {committed.Count} acked");
        await host.StopAsync();

        var rows = committed.Where(c => c.Value.Scheduled >= warmupEnd && probe.Acked.ContainsKey(c.Key)).Select(c => (Id: c.Key, c.Value.Scheduled, c.Value.Committed, Acked: probe.Acked[c.Key])).ToArray();
        Breakdown? breakdown = mode == Mode.LogTailing ? null : new Breakdown(
            Sorted(rows.Select(r => Ms(r.Committed, probe.ClaimStarted.GetValueOrDefault(r.Id, r.Committed)))),
            Sorted(rows.Select(r => Ms(probe.ClaimStarted.GetValueOrDefault(r.Id), probe.ClaimEnded.GetValueOrDefault(r.Id)))),
            Sorted(rows.Select(r => Ms(probe.ClaimEnded.GetValueOrDefault(r.Id), probe.SendStarted.GetValueOrDefault(r.Id)))),
            Sorted(rows.Select(r => Ms(probe.SendStarted.GetValueOrDefault(r.Id), r.Acked))));
        return new Outcome(mode, rate, achieved, Sorted(rows.Select(r => Ms(r.Committed, r.Acked))), Sorted(rows.Select(r => Ms(r.Scheduled, r.Acked))), breakdown)
        {
            ProcessCpuShare = cpuShare, PostgresCpuShare = pgShare, Passes = probe.Passes, EmptyClaims = probe.EmptyClaims,
        };
    }

    /// <summary>Milliseconds from <paramref name="from"/> to <paramref name="to"/>, never negative (a relay may ack before the writer's continuation records the commit).</summary>
    private static double Ms(long from, long to) => Math.Max(0, Stopwatch.GetElapsedTime(from, to).TotalMilliseconds);

    private static double[] Sorted(IEnumerable<double> values)
    {
        double[] v = values.ToArray();
        Array.Sort(v);
        return v;
    }
}
