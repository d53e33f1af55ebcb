using Confluent.Kafka;
using Npgsql;
using Microsoft.Extensions.Hosting;
using Outbox.Benchmarks.Infrastructure;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;

namespace Outbox.Benchmarks.Scenarios;

/// <summary>
/// Write overhead (business transactions/s with and without the outbox row, relay off) and
/// end to end at 8 writers (business row + event counted when Kafka acked it, against the
/// business-row-only rate and the no-outbox publish-after-commit baseline); each beside the
/// log-tailing relay (issue #19) against its fair baseline, the business row in an explicit transaction.
/// </summary>
internal static class WriteScenarios
{
    public sealed record Results(double BusinessOnly8, double WithOutbox8, double EndToEnd8, double DirectPublish8, double EndToEndBusinessOnly8, double BareBatch8, double BareOrderOnly8)
    {
        /// <summary>Gets the EF Core write rate of the order row alone in BeginTransaction … Commit (issue #19's fair baseline), 8 writers.</summary>
        public double FairBaseline8 { get; init; }

        /// <summary>Gets the EF Core write rate with the event as a logical decoding message (log tailing, relay off), 8 writers.</summary>
        public double LogTailing8 { get; init; }

        /// <summary>Gets the fair baseline measured in the end-to-end runs.</summary>
        public double EndToEndFair8 { get; init; }

        /// <summary>Gets the end-to-end rate of the log-tailing relay, counted at Kafka ack.</summary>
        public double EndToEndLogTailing8 { get; init; }
    }

    public static async Task<Results> RunAsync(BenchEnvironment env, Workload work, Report report)
    {
        BenchSettings s = env.Settings;
        Report.Table table = report.Add(
            $"Write overhead: committed business transactions/s (closed loop, {s.Duration.TotalSeconds:0.#} s per run, median of {s.Repeat}, relay off)",
            "database", "writers", "without outbox row", "with outbox row", "with / without", "target", "holds", "reference: 2 business rows, no outbox", "with outbox / 2 rows");

        double business8 = double.NaN, outbox8 = double.NaN;
        (double Order, double Batch) bare8 = (double.NaN, double.NaN);
        (double Fair, double LogTailing) log8 = (double.NaN, double.NaN);
        foreach ((DatabaseKind kind, int writers) in new[] { (DatabaseKind.PostgreSql, 1), (DatabaseKind.PostgreSql, 8), (DatabaseKind.PostgreSql, 32), (DatabaseKind.Sqlite, 1) })
        {
            await using TestDatabase db = await env.NewDatabaseAsync(kind);
            var probe = new RelayProbe();
            using IHost host = await env.StartHostAsync(db, probe, o => o.EnableRelay = false);
            string topic = env.NewTopic("write");
            await Load.ClosedLoopAsync(writers, TimeSpan.FromSeconds(0.3), i => work.WriteAsync(host.Services, i, topic)); // warm-up

            var without = new List<double>();
            var with = new List<double>();
            var twoRows = new List<double>();
            for (int r = 0; r < s.Repeat; r++)
            {
                (long n, TimeSpan t) = await Load.ClosedLoopAsync(writers, s.Duration, i => work.WriteAsync(host.Services, i, null));
                without.Add(n / t.TotalSeconds);
                (n, t) = await Load.ClosedLoopAsync(writers, s.Duration, i => work.WriteAsync(host.Services, i, topic));
                with.Add(n / t.TotalSeconds);
                (n, t) = await Load.ClosedLoopAsync(writers, s.Duration, i => work.WriteAsync(host.Services, i, null, secondOrder: true));
                twoRows.Add(n / t.TotalSeconds);
            }

            double a = Fmt.Median(without), b = Fmt.Median(with), c = Fmt.Median(twoRows);
            bool target = kind == DatabaseKind.PostgreSql && writers == 8;
            if (target)
            {
                business8 = a;
                outbox8 = b;
                bare8 = await BareLimitAsync(env, db, work, writers, topic, report);
                log8 = await LogTailingWritesAsync(env, db, work, host, writers, a, b, report);
            }

            table.Row(kind == DatabaseKind.PostgreSql ? "PostgreSQL" : "SQLite", writers.ToString(), Fmt.Rate(a), Fmt.Rate(b), Fmt.Pct(b / a), target ? "≥ 85 %" : "", target ? Fmt.Holds(b / a >= 0.85) : "", Fmt.Rate(c), Fmt.Pct(b / c));
            await host.StopAsync();
        }

        table.Note("Each transaction: a new DI scope and DbContext, one `orders` row (+ one 200-byte outbox row through `IOutbox.AddRaw`), one `SaveChangesAsync`. " +
                   "Runs alternate without/with so drift hits both alike. " +
                   "The reference writes two `orders` rows and no outbox row: the same transaction shape (EF Core wraps a SaveChanges of two rows in BEGIN … COMMIT, one row runs in autocommit), so with outbox / 2 rows isolates the outbox row itself.");

        EndToEnd e2e = await EndToEndAsync(env, work, report);
        return new Results(business8, outbox8, e2e.Outbox, e2e.Direct, e2e.Business, bare8.Batch, bare8.Order)
        {
            FairBaseline8 = log8.Fair, LogTailing8 = log8.LogTailing, EndToEndFair8 = e2e.Fair, EndToEndLogTailing8 = e2e.LogTailing,
        };
    }

    /// <summary>
    /// Issue #19's write overhead through EF Core: the log-tailing relay's write (the event as a
    /// logical decoding message appended to the save's own command, no outbox row; relay off)
    /// against the fair baseline (the order row alone in BeginTransaction … Commit, on
    /// <paramref name="plain"/>), interleaved on the same database.
    /// </summary>
    private static async Task<(double Fair, double LogTailing)> LogTailingWritesAsync(BenchEnvironment env, TestDatabase db, Workload work, IHost plain, int writers, double alone, double outboxRow, Report report)
    {
        BenchSettings s = env.Settings;
        Report.Table table = report.Add(
            $"Write overhead with the log-tailing relay (issue #19): EF Core, PostgreSQL, {writers} writers, committed business transactions/s (median of {s.Repeat}, relay off)",
            "transaction", "tx/s", "vs the fair baseline", "target", "holds");
        await using LogSlot slot = await LogSlot.CreateAsync(db.ConnectionString, "bench");
        using IHost host = await env.StartHostAsync(db, new RelayProbe(), o => o.EnableRelay = false, logTailing: slot);
        string topic = env.NewTopic("write-log");
        await Load.ClosedLoopAsync(writers, TimeSpan.FromSeconds(0.3), i => work.WriteAsync(host.Services, i, topic)); // warm-up
        var fair = new List<double>();
        var log = new List<double>();
        for (int r = 0; r < s.Repeat; r++)
        {
            (long n, TimeSpan t) = await Load.ClosedLoopAsync(writers, s.Duration, i => work.WriteAsync(plain.Services, i, null, inTransaction: true));
            fair.Add(n / t.TotalSeconds);
            (n, t) = await Load.ClosedLoopAsync(writers, s.Duration, i => work.WriteAsync(host.Services, i, topic));
            log.Add(n / t.TotalSeconds);
        }

        double f = Fmt.Median(fair), l = Fmt.Median(log);
        table.Row("`orders` row alone in BeginTransaction … Commit, no event: the fair baseline", Fmt.Rate(f), "100 %", "", "");
        table.Row("log tailing: `orders` row + event as `pg_logical_emit_message(true, …)` in the save's own command, no outbox row", Fmt.Rate(l), Fmt.Pct(l / f), "≥ 90 %", Fmt.Holds(l / f >= 0.9));
        table.Row("polling relay: `orders` row + outbox row (the write-overhead table's with outbox row)", Fmt.Rate(outboxRow), Fmt.Pct(outboxRow / f), "", "");
        table.Row("`orders` row alone, autocommit (the write-overhead table's without outbox row)", Fmt.Rate(alone), Fmt.Pct(alone / f), "", "");
        table.Note("Runs alternate fair baseline / log tailing, each on its own host on the same database (the log-tailing host: `UsePostgreSqlLogTailing`, `EnableRelay = false`, a slot of its own that nothing reads during the runs, dropped after). " +
                   "The log-tailing save of one row is one command, so one round trip in an implicit transaction; the fair baseline takes two (BEGIN + INSERT, COMMIT). " +
                   "The last two rows are from the write-overhead runs above (not interleaved with these).");
        await host.StopAsync();
        return (f, l);
    }

    /// <summary>
    /// The database's own floor under the write overhead: the same rows by bare SQL, no EF Core
    /// and no library, on the same database and connection pool settings as the EF runs.
    /// </summary>
    private static async Task<(double Order, double Batch)> BareLimitAsync(BenchEnvironment env, TestDatabase db, Workload work, int writers, string topic, Report report)
    {
        BenchSettings s = env.Settings;
        Report.Table table = report.Add(
            $"Write limit on this machine: the same rows by bare SQL (Npgsql, no EF Core, no outbox library), PostgreSQL, {writers} writers (median of {s.Repeat})",
            "transaction", "tx/s", "vs orders row alone", "vs orders row in BEGIN … COMMIT");
        await using NpgsqlDataSource source = NpgsqlDataSource.Create(db.ConnectionString);
        BareWrite[] shapes = [BareWrite.OrderOnly, BareWrite.OutboxRowInBatch, BareWrite.OutboxRowInTransaction, BareWrite.OrderInTransaction, BareWrite.LogicalMessageInTransaction];
        var rates = shapes.ToDictionary(shape => shape, _ => new List<double>());
        await Load.ClosedLoopAsync(writers, TimeSpan.FromSeconds(0.3), i => work.BareWriteAsync(source, i, topic, BareWrite.OutboxRowInTransaction)); // warm-up
        for (int r = 0; r < s.Repeat; r++)
        {
            foreach (BareWrite shape in shapes)
            {
                (long n, TimeSpan t) = await Load.ClosedLoopAsync(writers, s.Duration, i => work.BareWriteAsync(source, i, topic, shape));
                rates[shape].Add(n / t.TotalSeconds);
            }
        }

        double order = Fmt.Median(rates[BareWrite.OrderOnly]);
        double batch = Fmt.Median(rates[BareWrite.OutboxRowInBatch]);
        double inTransaction = Fmt.Median(rates[BareWrite.OutboxRowInTransaction]);
        double orderInTransaction = Fmt.Median(rates[BareWrite.OrderInTransaction]);
        double logicalMessage = Fmt.Median(rates[BareWrite.LogicalMessageInTransaction]);
        table.Row("`orders` row alone, autocommit (1 round trip)", Fmt.Rate(order), "100 %", Fmt.Pct(order / orderInTransaction));
        table.Row("`orders` + outbox row as one batch, implicit transaction (1 round trip)", Fmt.Rate(batch), Fmt.Pct(batch / order), Fmt.Pct(batch / orderInTransaction));
        table.Row("`orders` + outbox row in BEGIN … COMMIT, EF Core's shape (2 round trips)", Fmt.Rate(inTransaction), Fmt.Pct(inTransaction / order), Fmt.Pct(inTransaction / orderInTransaction));
        table.Row("`orders` row alone in BEGIN … COMMIT: the fair baseline (issue #19)", Fmt.Rate(orderInTransaction), Fmt.Pct(orderInTransaction / order), "100 %");
        table.Row("`orders` + `pg_logical_emit_message(true, …)` in BEGIN … COMMIT: the event in the WAL, no row", Fmt.Rate(logicalMessage), Fmt.Pct(logicalMessage / order), Fmt.Pct(logicalMessage / orderInTransaction));
        table.Note("What the database itself charges for a second row in the same transaction, with no client library in the way. " +
                   "When the one-batch ratio is below the write-overhead target, no outbox that stores its row in the business transaction can meet the target on this machine. " +
                   "The last two rows are the log-tailing relay's write cost (issue #19): an event written as a transactional logical decoding message against the same transaction without it.");
        return (order, batch);
    }

    private static async Task<EndToEnd> EndToEndAsync(BenchEnvironment env, Workload work, Report report)
    {
        BenchSettings s = env.Settings;
        const int writers = 8;
        Report.Table table = report.Add(
            $"End to end at {writers} writers: transactions/s counted when Kafka acked the event (median of {s.Repeat}, {s.Duration.TotalSeconds:0.#} s of writing per run)",
            "design", "tx/s", "vs business-row-only", "vs the fair baseline (issue #19)", "target", "holds");

        await using TestDatabase db = await env.NewDatabaseAsync();
        var businessRates = new List<double>();
        var fairRates = new List<double>();
        var directRates = new List<double>();
        var outboxRuns = new List<Relayed>();
        var logRuns = new List<Relayed>();
        using IProducer<string?, byte[]> producer = env.NewProducer();
        string directTopic = env.NewTopic("direct");

        for (int r = 0; r < s.Repeat; r++)
        {
            // 1. Business row only (the ceiling): relay off, no event; and in an explicit transaction (issue #19's fair baseline).
            var idle = new RelayProbe();
            using (IHost host = await env.StartHostAsync(db, idle, o => o.EnableRelay = false))
            {
                if (r == 0)
                {
                    await Load.ClosedLoopAsync(writers, TimeSpan.FromSeconds(0.3), i => work.WriteAsync(host.Services, i, null));
                }

                (long n, TimeSpan t) = await Load.ClosedLoopAsync(writers, s.Duration, i => work.WriteAsync(host.Services, i, null));
                businessRates.Add(n / t.TotalSeconds);
                (n, t) = await Load.ClosedLoopAsync(writers, s.Duration, i => work.WriteAsync(host.Services, i, null, inTransaction: true));
                fairRates.Add(n / t.TotalSeconds);

                // 3. No outbox: commit the business row, then produce and await the ack (publish after commit).
                long acked = 0;
                (n, t) = await Load.ClosedLoopAsync(writers, s.Duration, async i =>
                {
                    await work.WriteAsync(host.Services, i, null);
                    DeliveryResult<string?, byte[]> result = await producer.ProduceAsync(directTopic, work.KafkaMessage(i, Guid.CreateVersion7()));
                    if (result.Status == PersistenceStatus.Persisted)
                    {
                        Interlocked.Increment(ref acked);
                    }
                });
                report.Check(acked == n, $"e2e direct publish: {acked} of {n} acked");
                directRates.Add(acked / t.TotalSeconds);
                await host.StopAsync();
            }

            // 2. Outbox: business row + event in one transaction, relay on (fast path); counted when the relay holds the ack.
            outboxRuns.Add(await RelayedAsync(env, work, report, db, writers, null));

            // 4. The log-tailing relay (issue #19): the event as a logical decoding message, streamed from a slot of the run's own.
            await using (LogSlot slot = await LogSlot.CreateAsync(db.ConnectionString, "bench"))
            {
                logRuns.Add(await RelayedAsync(env, work, report, db, writers, slot));
            }
        }

        double business = Fmt.Median(businessRates), fair = Fmt.Median(fairRates), direct = Fmt.Median(directRates);
        double outbox = Fmt.Median(outboxRuns.Select(o => o.Rate)), log = Fmt.Median(logRuns.Select(o => o.Rate));
        table.Row("business row only (no event): the ceiling", Fmt.Rate(business), "100 %", Fmt.Pct(business / fair), "", "");
        table.Row("business row only in BeginTransaction … Commit: the fair baseline (issue #19)", Fmt.Rate(fair), Fmt.Pct(fair / business), "100 %", "", "");
        table.Row("outbox: business row + event, relay in the same process", Fmt.Rate(outbox), Fmt.Pct(outbox / business), Fmt.Pct(outbox / fair), "≥ 85 % of business-row-only", Fmt.Holds(outbox / business >= 0.85));
        table.Row("outbox, log-tailing relay: event as a logical decoding message, streamed from the slot", Fmt.Rate(log), Fmt.Pct(log / business), Fmt.Pct(log / fair), "≥ 85 % of the fair baseline", Fmt.Holds(log / fair >= 0.85));
        table.Row("no outbox: commit, then produce and await the ack", Fmt.Rate(direct), Fmt.Pct(direct / business), Fmt.Pct(direct / fair), "outbox ≥ this", Fmt.Holds(outbox >= direct));
        table.Note($"Outbox rate = transactions committed in the window / time from the first write to the relay's last ack (commit rate alone: {Fmt.Rate(Fmt.Median(outboxRuns.Select(o => o.CommitRate)))}/s, " +
                   $"{Fmt.Median(outboxRuns.Select(o => o.PerPass)):0.#} messages per relay pass; log tailing: {Fmt.Rate(Fmt.Median(logRuns.Select(o => o.CommitRate)))}/s, {Fmt.Median(logRuns.Select(o => o.PerSend)):0.#} messages per send). " +
                   "No-outbox rate = transactions whose event was acked / window; each writer awaits its ack before the next transaction. " +
                   "Log tailing: `UsePostgreSqlLogTailing` on a slot created before the host starts and dropped after each run.");
        return new EndToEnd(outbox, direct, business, fair, log);
    }

    /// <summary>
    /// One relayed run: 8 writers save the business row and its event for one window, the relay
    /// (the polling one, or with <paramref name="logTailing"/> the log-tailing one) in the same host;
    /// the rate is to the relay's last ack.
    /// </summary>
    private static async Task<Relayed> RelayedAsync(BenchEnvironment env, Workload work, Report report, TestDatabase db, int writers, LogSlot? logTailing)
    {
        BenchSettings s = env.Settings;
        string mode = logTailing is null ? "outbox" : "log tailing";
        var probe = new RelayProbe { TrackPerMessage = s.Quick };
        string topic = env.NewTopic(logTailing is null ? "e2e" : "e2e-log");
        using IHost host = await env.StartHostAsync(db, probe, logTailing: logTailing);
        await BenchEnvironment.WarmUpProducerAsync(host, topic, work);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        (long n, TimeSpan t) = await Load.ClosedLoopAsync(writers, s.Duration, i => work.WriteAsync(host.Services, i, topic));
        Task all = probe.WhenDelivered(n);
        bool done = await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60))) == all;
        report.Check(done && probe.Delivered == n, $"e2e {mode}: {probe.Delivered} of {n} acked");
        TimeSpan untilLastAck = System.Diagnostics.Stopwatch.GetElapsedTime(started, probe.LastAck);
        await host.StopAsync();
        return new Relayed(n / untilLastAck.TotalSeconds, n / t.TotalSeconds, probe.Passes == 0 ? 0 : (double)n / probe.Passes, probe.Sends == 0 ? 0 : (double)n / probe.Sends);
    }

    private sealed record EndToEnd(double Outbox, double Direct, double Business, double Fair, double LogTailing);

    /// <param name="PerPass">Messages per polling relay pass (a claim that found messages); 0 for log tailing, which does not claim.</param>
    /// <param name="PerSend">Messages per transport send.</param>
    private sealed record Relayed(double Rate, double CommitRate, double PerPass, double PerSend);
}
