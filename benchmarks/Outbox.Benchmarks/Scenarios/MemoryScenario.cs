using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Outbox.Benchmarks.Infrastructure;
using Outbox.TestSupport.Data;

namespace Outbox.Benchmarks.Scenarios;

/// <summary>
/// Memory of the relay: a backlog of <c>--messages</c> drained by one relay running alone in a
/// child process (so the mock brokers, the prefill and the benchmark's own bookkeeping are not
/// counted). The child samples its working set and managed heap every 100 ms against progress,
/// and reports its peak working set (VmHWM) and bytes allocated per message.
/// </summary>
internal static class MemoryScenario
{
    public const string ChildCommand = "relay-process";

    public sealed record ChildReport(long Delivered, double ElapsedMs, long Allocated, long PeakWorkingSet, int Gen0, int Gen1, int Gen2, long[][] Samples);

    public static async Task<ChildReport?> RunAsync(BenchEnvironment env, Workload work, Report report)
    {
        BenchSettings s = env.Settings;
        await using TestDatabase db = await env.NewDatabaseAsync();
        string topic = env.NewTopic("memory");
        await work.PrefillAsync(db, topic, s.Messages);

        // OUTBOX_BENCH_CHILD_WRAPPER runs the relay process under a profiler, for example
        // "dotnet-trace collect --profile cpu-sampling --show-child-io -o relay.nettrace --".
        string[] wrapper = (Environment.GetEnvironmentVariable("OUTBOX_BENCH_CHILD_WRAPPER") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        ProcessStartInfo start = SelfProcess.StartInfo(
            new[] { ChildCommand, db.ConnectionString, env.Kafka.BootstrapServers, "500", s.Messages.ToString(CultureInfo.InvariantCulture) }.Concat(s.Producer.Select(p => $"{p.Key}={p.Value}")),
            wrapper);
        start.RedirectStandardOutput = true;
        using Process child = Process.Start(start)!;
        string output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        string? json = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        ChildReport? result = json is null ? null : JsonSerializer.Deserialize<ChildReport>(json);
        long unfinished = await BenchEnvironment.CountUnfinishedAsync(db);
        report.Check(child.ExitCode == 0 && result is not null && result.Delivered == s.Messages && unfinished == 0,
            $"memory: relay process exit {child.ExitCode}, delivered {result?.Delivered} of {s.Messages}, {unfinished} rows unfinished");
        if (result is null)
        {
            return null;
        }

        long[][] samples = result.Samples;
        long At(double fraction) => samples.FirstOrDefault(x => x[0] >= fraction * s.Messages)?[1] ?? samples[^1][1];
        long MaxFrom(double fraction) => samples.Where(x => x[0] >= fraction * s.Messages).Select(x => x[1]).DefaultIfEmpty(samples[^1][1]).Max();
        long heapMax = samples.Max(x => x[2]);
        long quarter = At(0.25);
        double growth = (MaxFrom(0.5) - quarter) / (double)quarter;
        Report.Table table = report.Add(
            $"Memory: one relay draining {Fmt.N(s.Messages)} messages in its own process (batch 500, per-key order on)",
            "drain msg/s", "WS at 1 %", "WS at 25 %", "WS at 50 %", "WS at 75 %", "WS at 100 %", "peak WS", "managed heap max", "allocated / message", "GCs (0/1/2)", "growth 25 % → max(50–100 %)", "flat");
        table.Row(Fmt.Rate(result.Delivered / (result.ElapsedMs / 1000)), Fmt.Mb(At(0.01)), Fmt.Mb(quarter), Fmt.Mb(At(0.5)), Fmt.Mb(At(0.75)), Fmt.Mb(samples[^1][1]),
            Fmt.Mb(result.PeakWorkingSet), Fmt.Mb(heapMax), Fmt.N(result.Allocated / Math.Max(1, result.Delivered)) + " B",
            $"{result.Gen0}/{result.Gen1}/{result.Gen2}", Fmt.Pct(growth), Fmt.Holds(growth <= 0.10));
        table.Note("Working sets in MB. Allocations are the whole relay process's (`GC.GetTotalAllocatedBytes`), host start included. " +
                   "Flat = the working set in the second half of the drain is at most 10 % above its value at 25 %. The default drain is the target's 1,000,000 messages; `--messages` changes it.");
        return result;
    }

    /// <summary>The child: one relay host, drains until <paramref name="args"/>[4] messages are delivered, prints a JSON report.</summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        string connectionString = args[1], bootstrap = args[2];
        int batch = int.Parse(args[3], CultureInfo.InvariantCulture), expected = int.Parse(args[4], CultureInfo.InvariantCulture);
        var probe = new RelayProbe();
        var samples = new List<long[]>();
        using var process = Process.GetCurrentProcess();
        Dictionary<string, string> producer = args.Skip(5).Select(a => a.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        IHost host = await BenchEnvironment.StartHostAsync(o => o.UseNpgsql(connectionString), bootstrap, probe, o => o.BatchSize = batch, start: false, producer: producer);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        long allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        long started = Stopwatch.GetTimestamp();
        await host.StartAsync();
        Task all = probe.WhenDelivered(expected);
        var deadline = TimeSpan.FromMinutes(30);
        while (!all.IsCompleted && Stopwatch.GetElapsedTime(started) < deadline)
        {
            process.Refresh();
            samples.Add([probe.Delivered, process.WorkingSet64, GC.GetTotalMemory(false)]);
            await Task.WhenAny(all, Task.Delay(100));
        }

        await host.StopAsync();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
        double elapsed = Stopwatch.GetElapsedTime(started, probe.LastRecordEnded).TotalMilliseconds;
        process.Refresh();
        samples.Add([probe.Delivered, process.WorkingSet64, GC.GetTotalMemory(false)]);
        var report = new ChildReport(probe.Delivered, elapsed, allocated, PeakWorkingSet(), GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2, samples.ToArray());
        host.Dispose();
        Console.WriteLine(JsonSerializer.Serialize(report));
        return probe.Delivered >= expected ? 0 : 1;
    }

    private static long PeakWorkingSet()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
