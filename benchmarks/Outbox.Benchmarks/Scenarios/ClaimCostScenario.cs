using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Outbox.Benchmarks.Infrastructure;
using Outbox.EntityFrameworkCore;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.EntityFrameworkCore.Storage;
using Outbox.Storage;
using Outbox.TestSupport.Data;

namespace Outbox.Benchmarks.Scenarios;

/// <summary>
/// What one claim costs by the shape of the backlog, with per-key order on (batch 500): one hot
/// key of 50,000 messages, ten keys of 20,000, and 10,000 keys of 5 (interleaved, as writers
/// write them). Each claim is followed by an outcome that completes what it took, so the next
/// claim finds the keys' next messages; only the claim statement is timed.
/// </summary>
internal static class ClaimCostScenario
{
    private static readonly (string Name, int Keys, int PerKey)[] Shapes =
    [
        ("10,000 keys × 5", 10_000, 5),
        ("10 keys × 20,000", 10, 20_000),
        ("1 key × 50,000", 1, 50_000),
    ];

    public sealed record Outcome(string Shape, double P50Ms, double P90Ms, double RowsPerClaim);

    public static async Task<List<Outcome>> RunAsync(BenchEnvironment env, Report report)
    {
        int claims = env.Settings.Quick ? 10 : 200;
        double scale = env.Settings.Quick ? 0.02 : 1;
        Report.Table table = report.Add(
            $"Claim cost by backlog shape (PostgreSQL, per-key order, batch 500; p50 of {claims} claims, each followed by completing what it took)",
            "backlog", "messages", "rows per claim", "claim p50 ms", "claim p90 ms", "p50 vs 10,000 keys");
        var outcomes = new List<Outcome>();
        foreach ((string name, int keys, int perKey) in Shapes)
        {
            int messages = Math.Max(keys, (int)(keys * perKey * scale));
            await using TestDatabase db = await env.NewDatabaseAsync();
            await FillAsync(db, keys, messages);
            outcomes.Add(await MeasureAsync(db, name, claims));
            Outcome o = outcomes[^1];
            table.Row(name, Fmt.N(messages), o.RowsPerClaim.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture), Fmt.Ms(o.P50Ms), Fmt.Ms(o.P90Ms), Fmt.Pct(o.P50Ms / outcomes[0].P50Ms));
        }

        table.Note("Target: every shape's p50 within 3× of the 10,000-key case. The claim scans unfinished rows in position order; each blocked row costs an index probe, so a hot key's blocked backlog is scanned on every claim.");
        return outcomes;
    }

    /// <summary>Writes the backlog in one statement: keys interleaved (message i has key i mod keys), positions in that order.</summary>
    private static async Task FillAsync(TestDatabase db, int keys, int messages)
    {
        await using TestDbContext context = db.CreateContext();
        await context.Database.ExecuteSqlAsync($"""
            INSERT INTO outbox_messages (id, topic, key, type, payload, status, attempts)
            SELECT gen_random_uuid(), 'claims', 'key-' || (g % {keys}), 'Bench', '\x00'::bytea, 0, 0
            FROM generate_series(0, {messages - 1}) AS g ORDER BY g;
            ANALYZE outbox_messages;
            """);
    }

    private static async Task<Outcome> MeasureAsync(TestDatabase db, string shape, int claims)
    {
        await using TestDbContext context = db.CreateContext();
        await context.Database.OpenConnectionAsync();
        var store = new EntityFrameworkOutboxStore<TestDbContext>(context, new OutboxSql.Cache<TestDbContext>(), Options.Create(new OutboxOptions()));
        var times = new List<double>(claims);
        long rows = 0;
        for (int i = 0; i < claims; i++)
        {
            var claim = new OutboxClaim($"claims/{i}", 500, TimeSpan.FromMinutes(1), PreserveKeyOrder: true);
            long started = Stopwatch.GetTimestamp();
            IReadOnlyList<OutboxMessage> claimed = await store.ClaimAsync(claim);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            rows += claimed.Count;
            await store.RecordOutcomesAsync(claimed.Select(m => new OutboxOutcome(m.Id, claim.LeaseOwner, OutboxStatus.Complete, 0, TimeSpan.Zero, null)).ToList());
        }

        double[] sorted = [.. times.Order()];
        return new Outcome(shape, Fmt.Percentile(sorted, 50), Fmt.Percentile(sorted, 90), (double)rows / claims);
    }
}
