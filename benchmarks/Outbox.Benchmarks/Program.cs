using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Outbox.Benchmarks;
using Outbox.Benchmarks.Infrastructure;
using Outbox.Benchmarks.Scenarios;

if (args.Length > 0 && args[0] == MemoryScenario.ChildCommand)
{
    return await MemoryScenario.ChildAsync(args);
}

if (args.Length > 0 && args[0] == KafkaClusterProcess.ChildCommand)
{
    return KafkaClusterProcess.RunChild(args);
}

BenchSettings settings;
try
{
    settings = BenchSettings.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchSettings.Usage);
    return 2;
}

if (settings.Help)
{
    Console.WriteLine(BenchSettings.Usage);
    return 0;
}

var clock = Stopwatch.StartNew();
var report = new Report();
var work = new Workload(settings);
Console.Error.WriteLine($"[bench] starting PostgreSQL ({(settings.Postgres is null && Environment.GetEnvironmentVariable("OUTBOX_TEST_POSTGRES") is null ? "throwaway cluster" : "given")}) and the Kafka mock cluster");
await using (BenchEnvironment env = await BenchEnvironment.StartAsync(settings))
{
    if (!settings.Quick)
    {
        // Not reported: the first seconds of a process run tier-0 JIT code, cold pools and a cold
        // database; the first scenario measured was up to 5 times slower than the same one repeated.
        Console.Error.WriteLine($"[bench] {clock.Elapsed.TotalSeconds:0}s: warm-up (small runs of each scenario, not reported)");
        env.Settings = BenchSettings.Parse(["--quick", "--relays", "1", "--batch-sizes", "500", "--concurrent-batches", "1", "--backlog", "20000", "--duration", "1", "--rates", "1000", "--latency-seconds", "2"]);
        var discarded = new Report();
        await WriteScenarios.RunAsync(env, work, discarded);
        await DrainScenario.RunAsync(env, work, discarded);
        await LatencyScenario.RunAsync(env, work, discarded);
        env.Settings = settings;
    }

    Report.Table targets = report.Add("Targets (issues #6, #18 and #19), each a ratio measured in this run", "target", "measured", "limit (same run)", "ratio", "required", "holds");

    WriteScenarios.Results? writes = null;
    if (settings.Runs("write") || settings.Runs("e2e"))
    {
        Console.Error.WriteLine($"[bench] {clock.Elapsed.TotalSeconds:0}s: write overhead + end to end");
        writes = await WriteScenarios.RunAsync(env, work, report);
    }

    List<DrainScenario.Outcome>? drains = null;
    if (settings.Runs("drain"))
    {
        Console.Error.WriteLine($"[bench] {clock.Elapsed.TotalSeconds:0}s: drain");
        drains = await DrainScenario.RunAsync(env, work, report);
    }

    if (settings.Scenarios.Contains("transport"))
    {
        await DrainScenario.RunTransportOnlyAsync(env, work, report);
    }

    List<LatencyScenario.Outcome>? latencies = null;
    if (settings.Runs("latency"))
    {
        Console.Error.WriteLine($"[bench] {clock.Elapsed.TotalSeconds:0}s: latency");
        latencies = await LatencyScenario.RunAsync(env, work, report);
    }

    List<ClaimCostScenario.Outcome>? claimCosts = null;
    if (settings.Runs("claims"))
    {
        Console.Error.WriteLine($"[bench] {clock.Elapsed.TotalSeconds:0}s: claim cost by backlog shape");
        claimCosts = await ClaimCostScenario.RunAsync(env, report);
    }

    MemoryScenario.ChildReport? memory = null;
    if (settings.Runs("memory"))
    {
        Console.Error.WriteLine($"[bench] {clock.Elapsed.TotalSeconds:0}s: memory");
        memory = await MemoryScenario.RunAsync(env, work, report);
    }

    Dictionary<string, PeersScenario.Summary>? peers = null;
    if (settings.Runs("peers"))
    {
        Console.Error.WriteLine($"[bench] {clock.Elapsed.TotalSeconds:0}s: peers");
        peers = await PeersScenario.RunAsync(env, work, report);
    }

    // The summary of the targets, first in the output.
    if (drains is not null)
    {
        foreach (DrainScenario.Outcome o in drains.Where(o => o.Config.KeyOrder && o.Config.BatchSize == 500))
        {
            double limit = Math.Min(o.BareRate, o.ProducerRate);
            targets.Row($"drain, per-key order, {o.Config.Relays} relay(s), batch 500, {o.Config.ConcurrentBatches} in flight", $"{Fmt.Rate(o.Rate)} msg/s",
                $"{Fmt.Rate(limit)} msg/s ({(o.BareRate < o.ProducerRate ? "bare claim+mark" : "plain producer")})", Fmt.Pct(o.Rate / limit), "≥ 80 %", Fmt.Holds(o.Rate / limit >= 0.8));
        }
    }

    if (writes is not null)
    {
        targets.Row("write overhead, PostgreSQL, 8 writers", $"{Fmt.Rate(writes.WithOutbox8)} tx/s", $"{Fmt.Rate(writes.BusinessOnly8)} tx/s (no outbox row)", Fmt.Pct(writes.WithOutbox8 / writes.BusinessOnly8), "≥ 85 %", Fmt.Holds(writes.WithOutbox8 / writes.BusinessOnly8 >= 0.85));
        targets.Row("write limit: the same two rows by bare SQL in one batch (no EF Core, no library)", $"{Fmt.Rate(writes.BareBatch8)} tx/s", $"{Fmt.Rate(writes.BareOrderOnly8)} tx/s (orders row alone)", Fmt.Pct(writes.BareBatch8 / writes.BareOrderOnly8), "(the floor under the row above)", "");
        targets.Row("end to end, 8 writers, counted at Kafka ack", $"{Fmt.Rate(writes.EndToEnd8)} tx/s", $"{Fmt.Rate(writes.EndToEndBusinessOnly8)} tx/s (business row only, end-to-end runs)", Fmt.Pct(writes.EndToEnd8 / writes.EndToEndBusinessOnly8), "≥ 85 %", Fmt.Holds(writes.EndToEnd8 / writes.EndToEndBusinessOnly8 >= 0.85));
        targets.Row("end to end vs no-outbox publish-after-commit", $"{Fmt.Rate(writes.EndToEnd8)} tx/s", $"{Fmt.Rate(writes.DirectPublish8)} tx/s", Fmt.Pct(writes.EndToEnd8 / writes.DirectPublish8), "≥ 100 %", Fmt.Holds(writes.EndToEnd8 >= writes.DirectPublish8));
        double writeRatio = writes.LogTailing8 / writes.FairBaseline8;
        targets.Row("log tailing (#19): write overhead, EF Core, 8 writers, event as a logical decoding message", $"{Fmt.Rate(writes.LogTailing8)} tx/s", $"{Fmt.Rate(writes.FairBaseline8)} tx/s (order row alone in a transaction)", Fmt.Pct(writeRatio), "≥ 90 %", Fmt.Holds(writeRatio >= 0.9));
        double e2eRatio = writes.EndToEndLogTailing8 / writes.EndToEndFair8;
        targets.Row("log tailing (#19): end to end, 8 writers, counted at Kafka ack", $"{Fmt.Rate(writes.EndToEndLogTailing8)} tx/s", $"{Fmt.Rate(writes.EndToEndFair8)} tx/s (order row alone in a transaction, end-to-end runs)", Fmt.Pct(e2eRatio), "≥ 85 %", Fmt.Holds(e2eRatio >= 0.85));
    }

    if (latencies?.FirstOrDefault(l => l.Mode == LatencyScenario.Mode.FastPath && l.Rate == 1_000) is { } fast)
    {
        double p99 = Fmt.Percentile(fast.CommitToAck, 99);
        targets.Row("latency p99 commit → ack, fast path, 1,000 msg/s", $"{Fmt.Ms(p99)} ms", "", "", "≤ 10 ms", Fmt.Holds(p99 <= 10));
    }

    if (latencies?.FirstOrDefault(l => l.Mode == LatencyScenario.Mode.LogTailing && l.Rate == 1_000) is { } log && LatencyScenario.NoOutboxP99(latencies, 1_000) is { } baseline)
    {
        double p99 = Fmt.Percentile(log.CommitToAck, 99);
        targets.Row("log tailing (#19): latency p99 commit → ack, 1,000 msg/s, vs no outbox", $"{Fmt.Ms(p99)} ms", $"{Fmt.Ms(baseline)} ms (no outbox: produce after commit)", Fmt.Pct(p99 / baseline),
            $"≤ {LatencyScenario.LogTailingP99Bound * 100:0} %", Fmt.Holds(p99 <= LatencyScenario.LogTailingP99Bound * baseline));
    }

    if (claimCosts is { Count: > 0 })
    {
        double worst = claimCosts.Max(c => c.P50Ms) / claimCosts[0].P50Ms;
        targets.Row("claim p50, hot keys (1 × 50,000, 10 × 20,000) vs 10,000 keys × 5", $"{Fmt.Ms(claimCosts.Max(c => c.P50Ms))} ms (worst)", $"{Fmt.Ms(claimCosts[0].P50Ms)} ms (10,000 keys)", Fmt.Pct(worst), "≤ 300 %", Fmt.Holds(worst <= 3));
    }

    if (memory is not null)
    {
        long quarter = memory.Samples.FirstOrDefault(x => x[0] >= 0.25 * settings.Messages)?[1] ?? memory.Samples[^1][1];
        long later = memory.Samples.Where(x => x[0] >= 0.5 * settings.Messages).Select(x => x[1]).DefaultIfEmpty(memory.Samples[^1][1]).Max();
        targets.Row($"relay working set flat over a {Fmt.N(settings.Messages)}-message drain", $"{Fmt.Mb(later)} MB (max, 2nd half)", $"{Fmt.Mb(quarter)} MB (at 25 %)", Fmt.Pct((double)later / quarter), "≤ 110 %", Fmt.Holds(later <= quarter * 1.10));
    }

    if (peers is not null)
    {
        PeersScenario.AddTargets(targets, peers);
    }
}

string header =
    $"Outbox benchmark, {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC; {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; " +
    $"PostgreSQL 15 (fsync on) + librdkafka {Confluent.Kafka.Library.VersionString} mock cluster (3 brokers, in process; the peers' in a child process); {(settings.Quick ? "--quick; " : "")}" +
    $"{(settings.Producer.Count > 0 ? "producer overrides: " + string.Join(", ", settings.Producer.Select(p => $"{p.Key}={p.Value}")) + "; " : "")}total {clock.Elapsed.TotalSeconds:0} s.\n" +
    $"Command: `bash eng/benchmark.sh {string.Join(' ', args)}`\n";
string markdown = header + "\n" + report.ToMarkdown();
Console.WriteLine(markdown);
if (settings.Output is not null)
{
    await File.WriteAllTextAsync(settings.Output, markdown);
}

return report.Failures.Count == 0 ? 0 : 1;
