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

    [Fact]
    public async Task PostgreSqlDown10SecondsWhileRelayRuns_RelayRecoversByItself_NothingLost_HostKeepsRunning()
    {
        await using DedicatedPostgreSql server = await DedicatedPostgreSql.StartAsync();
        ScenarioDatabase database = await ScenarioDatabase.CreateAsync(server.ConnectionString);
        await using ScenarioHost host = await ScenarioHost.StartAsync(database.ConnectionString, Kafka.BootstrapServers);

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
        await server.StopAsync();
        await Task.Delay(Outage);
        await server.RestartOnSamePortAsync();
        var clock = Stopwatch.StartNew();
        int atRestart = confirmed.Count;
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopWriting.CancelAsync();
        await writing;

        TimeSpan drain = await database.WaitForDrainAsync(confirmed.Count, clock, TimeSpan.FromSeconds(90));
        HashSet<Guid> stored = (await database.RowsAsync()).Select(r => r.Id).ToHashSet();
        List<Guid> committed = [.. confirmed, .. uncertain.Where(stored.Contains)];
        DeliveryCount count = await CountAsync(committed);
        IReadOnlyList<LogEntry> logs = host.Logs.Entries;
        List<LogEntry> passFailed = logs.Where(l => l.EventId.Id == 1101).ToList();
        List<LogEntry> recovered = logs.Where(l => l.EventId.Id == 1102).ToList();
        List<LogEntry> recordRetries = logs.Where(l => l.EventId.Id == 1007).ToList();
        foreach (IGrouping<int, LogEntry> byEvent in logs.Where(l => l.Level >= LogLevel.Information).GroupBy(l => l.EventId.Id))
        {
            Output.WriteLine($"{byEvent.Count()}× {byEvent.First()}");
        }

        List<LogEntry> outageLines = [.. passFailed, .. recordRetries];
        Report(ScenarioRow.From("6 PostgreSQL stopped 10 s and restarted while the relay runs", count, drain,
            $"{beforeOutage} committed before the stop, {confirmed.Count - atRestart} after the restart; {failedWrites} application writes failed during the outage ({uncertain.Count(stored.Contains)} of their messages had committed); "
            + $"host still running: {host.IsRunning}; relay logged {recordRetries.Count}× \"{recordRetries.FirstOrDefault()?.Message}\" (Warning), {passFailed.Count}× \"{passFailed.FirstOrDefault()?.Message}\" (Error), {recovered.Count}× \"{recovered.FirstOrDefault()?.Message}\"; drain timed from the restart (writes went on for 3 s after it)"));

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
