using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 6: PostgreSQL stopped for 10 s and started again (same port) while the relay runs and
/// the application writes: the relay recovers by itself, nothing committed is lost, the host does
/// not crash, and the logs say what happened.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class DatabaseOutageTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task PostgreSqlDown10SecondsWhileRelayRuns_RelayRecoversByItself_NothingLost_HostKeepsRunning()
    {
        await using DedicatedPostgreSql server = await DedicatedPostgreSql.StartAsync();
        ScenarioDatabase database = await ScenarioDatabase.CreateAsync(server.ConnectionString);
        // Defaults except the lease: 15 s instead of 2 min. When the outage outlasts the relay's
        // retries of "record outcomes" (8 retries, about 11-16 s), the batch it had just sent stays
        // PUBLISH under its own lease and waits for that lease to expire (see the report of this
        // suite); 15 s keeps that wait visible but inside the suite's time.
        await using ScenarioHost host = await ScenarioHost.StartAsync(database.ConnectionString, Kafka.BootstrapServers, o => o.LeaseDuration = Lease);

        var confirmed = new ConcurrentBag<Guid>();
        var uncertain = new ConcurrentBag<Guid>(); // the commit threw: committed or not, the database decides
        int failedWrites = 0;
        using var stopWriting = new CancellationTokenSource();
        Task writing = Task.Run(async () =>
        {
            int n = 0;
            while (!stopWriting.IsCancellationRequested)
            {
                var staged = new List<Guid>();
                try
                {
                    await host.InScopeAsync(async (db, outbox) =>
                    {
                        await using var transaction = await db.Database.BeginTransactionAsync();
                        for (int i = 0; i < 10; i++, n++)
                        {
                            db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "db-outage" });
                            staged.Add(outbox.AddRaw(Topic, "key-" + (n % 50), [1]).Id);
                        }

                        await db.SaveChangesAsync();
                        await transaction.CommitAsync();
                        return 0;
                    });
                    staged.ForEach(confirmed.Add);
                    await Task.Delay(50);
                }
#pragma warning disable CA1031 // The application sees the outage as failed writes and keeps trying.
                catch (Exception)
#pragma warning restore CA1031
                {
                    staged.ForEach(uncertain.Add);
                    Interlocked.Increment(ref failedWrites);
                    await Task.Delay(200);
                }
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(2));
        int beforeOutage = confirmed.Count;
        Output.WriteLine($"stopping PostgreSQL at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
        await server.StopAsync();
        await Task.Delay(Outage);
        await server.RestartOnSamePortAsync();
        Output.WriteLine($"PostgreSQL back at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
        var clock = Stopwatch.StartNew();
        int atRestart = confirmed.Count;
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopWriting.CancelAsync();
        await writing;

        Drain drain = await database.WaitForDrainAsync(confirmed.Count, clock, TimeSpan.FromSeconds(60));
        List<OutboxMessage> rows = await database.RowsAsync();
        HashSet<Guid> stored = rows.Select(r => r.Id).ToHashSet();
        List<OutboxMessage> stuck = rows.Where(r => r.Status == OutboxStatus.Publish).ToList();

        List<Guid> committed = [.. confirmed, .. uncertain.Where(stored.Contains)];
        DeliveryCount count = await CountAsync(committed);
        // A relay loop that failed logs "recovered" on its next good pass, which may come after its
        // backoff (up to 30 s) even when another loop already drained the backlog: wait for it.
        for (DateTime deadline = DateTime.UtcNow.AddSeconds(35);
             DateTime.UtcNow < deadline && host.Logs.Entries.Any(l => l.EventId.Id == 1101) && !host.Logs.Entries.Any(l => l.EventId.Id == 1102);
             await Task.Delay(200))
        {
        }

        IReadOnlyList<LogEntry> logs = host.Logs.Entries;
        List<LogEntry> passFailed = logs.Where(l => l.EventId.Id == 1101).ToList();
        List<LogEntry> recovered = logs.Where(l => l.EventId.Id == 1102).ToList();
        List<LogEntry> recordRetries = logs.Where(l => l.EventId.Id == 1007).ToList();
        foreach (LogEntry line in logs.Where(l => l.Category.StartsWith("Outbox", StringComparison.Ordinal) && l.Level >= LogLevel.Information))
        {
            Output.WriteLine(line.ToString().Split('\n')[0]);
        }

        List<LogEntry> outageLines = [.. passFailed, .. recordRetries];
        Report(ScenarioRow.From("6 PostgreSQL stopped 10 s and restarted while the relay runs", count, drain,
            $"{beforeOutage} committed before the stop, {confirmed.Count - atRestart} after the restart; {failedWrites} application writes failed during the outage ({uncertain.Count(stored.Contains)} of their messages had committed); "
            + (stuck.Count > 0 ? $"{stuck.Count} rows still PUBLISH under the running relay's own lease, their keys' later messages waiting behind them; " : "")
            + (count.Duplicates > 0 ? $"{count.Duplicates} duplicates: acked just before the stop, COMPLETE not recorded within the relay's record retries, so they waited for the {Lease.TotalSeconds:0} s lease and were sent again; " : "")
            + $"host still running: {host.IsRunning}; relay logged "
            + (recordRetries.Count > 0 ? $"{recordRetries.Count}× \"{recordRetries[^1].Message}\" (Warning), " : string.Empty)
            + $"{passFailed.Count}× \"{passFailed.LastOrDefault()?.Message}\" (Error), {recovered.Count}× \"{recovered.LastOrDefault()?.Message}\"; drain timed from the restart (writes went on for 3 s after it)"));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        host.IsRunning.Should().BeTrue("a database outage must not stop the host");
        outageLines.Should().NotBeEmpty("the outage is logged by the relay")
            .And.OnlyContain(l => l.Level >= LogLevel.Warning && l.Exception != null, "each line carries the database error");
        if (passFailed.Count > 0)
        {
            recovered.Should().NotBeEmpty("after failed passes the relay says it recovered");
        }

        (confirmed.Count - atRestart).Should().BePositive("the application wrote again after the restart");
        count.Foreign.Should().BeEmpty("a failed write that did not commit is never sent");
    }
}
