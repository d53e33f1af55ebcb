using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Kafka;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;
using Outbox.TestSupport.Hosting;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenarios 20–23: the faults of the suite against the log-tailing relay (<c>UsePostgreSqlLogTailing</c>):
/// events go to the write-ahead log as logical decoding messages and a replication slot streams
/// them. Nothing is in the outbox table, so delivery is counted on the topic alone.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class LogTailingScenariosTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    [Fact]
    public async Task LogRelayKilledAfterAck_TheNextStreamsFromTheLastConfirmedPosition_NothingLost()
    {
        const int messages = 200;
        await using LogSlot slot = await LogSlot.CreateAsync(Database.ConnectionString, "reliability");
        List<Guid> written;
        await using (ScenarioHost writer = await StartHostAsync(o => o.EnableRelay = false, configureBuilder: slot.Use))
        {
            written = await writer.CommitManyAsync(Topic, messages, perTransaction: 20, i => "key-" + (i % 40));
        }

        List<Guid> acked;
        using (ChildProcess relay = ChildProcess.Start(
            "relay-die-before-complete",
            ("db", Database.ConnectionString),
            ("kafka", Kafka.BootstrapServers),
            ("name", "doomed-log-relay"),
            ("log-slot", slot.Name)))
        {
            await relay.WaitForLineAsync("ACKED-ALL", TimeSpan.FromSeconds(90));
            relay.Kill();
            acked = relay.IdsOn("ACKED");
        }

        var clock = Stopwatch.StartNew();
        acked.Should().NotBeEmpty("the broker acknowledged the killed relay's first batch");
        await using ScenarioHost next = await StartHostAsync(configureBuilder: slot.Use);
        Drain drain = await WaitForTopicAsync(messages + acked.Count, clock, TimeSpan.FromSeconds(60));

        DeliveryCount count = await CountAsync(written);
        Report(ScenarioRow.From("20 log-tailing relay SIGKILLed after broker ack, before confirming", count, drain,
            $"the killed relay's first batch: {acked.Count} acknowledged, the slot never confirmed past them; the next relay streamed from the last confirmed position and sent them again with the same ids; drain timed from the kill"));
        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        count.Duplicates.Should().Be(acked.Count, "exactly what was acknowledged and not confirmed is sent again");
        count.Ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).Should().BeEquivalentTo(acked);
    }

    [Fact]
    public async Task AllBrokersDown30Seconds_WhileTheLogRelayStreams_AllDeliveredInKeyOrder_SlotLagGrowsAndReturns()
    {
        const int messages = 5_000;
        const int perTransaction = 50;
        TimeSpan outageLength = TimeSpan.FromSeconds(30);
        await using LogSlot slot = await LogSlot.CreateAsync(Database.ConnectionString, "reliability");
        await using ScenarioHost host = await StartHostAsync(configureBuilder: slot.Use);
        var order = new ConcurrentDictionary<string, List<Guid>>();

        Kafka.SetAllBrokersDown();
        var outage = Stopwatch.StartNew();
        var written = new List<Guid>(messages);
        long maxLag = 0;
        TimeSpan step = (outageLength - TimeSpan.FromSeconds(5)) / (messages / perTransaction);
        for (int n = 0, start = 0; start < messages; n++, start += perTransaction)
        {
            written.AddRange(await host.CommitManyAsync(Topic, perTransaction, perTransaction, i => "key-" + ((start + i) % 500), order));
            if (n % 10 == 0)
            {
                maxLag = Math.Max(maxLag, await slot.LagBytesAsync());
            }

            TimeSpan ahead = (step * (n + 1)) - outage.Elapsed;
            if (ahead > TimeSpan.Zero)
            {
                await Task.Delay(ahead);
            }
        }

        while (outageLength - outage.Elapsed is { Ticks: > 0 } rest)
        {
            await Task.Delay(rest + TimeSpan.FromMilliseconds(1));
        }

        long lagAtRecovery = await slot.LagBytesAsync();
        maxLag = Math.Max(maxLag, lagAtRecovery);
        Kafka.SetAllBrokersUp();
        var clock = Stopwatch.StartNew();
        Drain drain = await WaitForTopicAsync(messages, clock, TimeSpan.FromSeconds(150));
        long lagAfter = await WaitForLagBelowAsync(slot, lagAtRecovery, TimeSpan.FromSeconds(10));

        DeliveryCount count = await CountAsync(written);
        List<string> violations = count.KeyOrderViolations(order);
        Report(ScenarioRow.From("21 log-tailing relay, all brokers down 30 s while 5,000 written", count, drain,
            $"slot lag during the outage up to {maxLag / 1024.0:0} KiB ({lagAtRecovery / 1024.0:0} KiB at brokers-up), {lagAfter / 1024.0:0} KiB after the drain; per-key order kept for {order.Count - violations.Count} of {order.Count} keys; no DEAD rows: {(await Database.RowsAsync()).Count == 0}; drain timed from brokers up",
            violations.Count));
        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        violations.Should().BeEmpty();
        (await Database.RowsAsync()).Should().BeEmpty("nothing went DEAD: the outage is shorter than the retry horizon");
        lagAtRecovery.Should().BePositive("the slot keeps the log of what the broker has not acknowledged");
        lagAfter.Should().BeLessThan(lagAtRecovery, "once delivered, the slot lets the log go");
    }

    [Fact]
    public async Task PostgreSqlRestartedWhileTheLogRelayStreams_ItStreamsAgainByItself_NothingCommittedLost()
    {
        await using DedicatedPostgreSql server = await DedicatedPostgreSql.StartAsync();
        ScenarioDatabase database = await ScenarioDatabase.CreateAsync(server.ConnectionString);
        LogSlot slot = await LogSlot.CreateAsync(database.ConnectionString, "reliability");
        await using ScenarioHost host = await ScenarioHost.StartAsync(database.ConnectionString, Kafka.BootstrapServers, configureBuilder: slot.Use);

        var confirmed = new ConcurrentBag<Guid>();
        var uncertain = new ConcurrentBag<Guid>();
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
                        for (int i = 0; i < 10; i++, n++)
                        {
                            db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "log-db-restart" });
                            staged.Add(outbox.AddRaw(Topic, "key-" + (n % 50), [1]).Id);
                        }

                        return await db.SaveChangesAsync();
                    });
                    staged.ForEach(confirmed.Add);
                    await Task.Delay(50);
                }
#pragma warning disable CA1031 // The application sees the restart as failed writes and keeps trying.
                catch (Exception)
#pragma warning restore CA1031
                {
                    staged.ForEach(uncertain.Add);
                    await Task.Delay(200);
                }
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(2));
        int beforeRestart = confirmed.Count;
        await server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        await server.RestartOnSamePortAsync();
        var clock = Stopwatch.StartNew();
        int atRestart = confirmed.Count;
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopWriting.CancelAsync();
        await writing;

        List<Guid> written = [.. confirmed];
        Drain drain = await WaitForTopicAsync(written.Count, clock, TimeSpan.FromSeconds(90));
        DeliveryCount count = await CountAsync(written);
        Report(ScenarioRow.From("22 log-tailing relay, PostgreSQL stopped 5 s and restarted", count, drain,
            $"{beforeRestart} committed before the stop, {confirmed.Count - atRestart} after the restart, {uncertain.Count} in saves that failed during it ({count.Foreign.Count(uncertain.Contains)} of them had committed and were sent); host still running: {host.IsRunning}; drain timed from the restart"));
        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        count.Foreign.Where(id => !uncertain.Contains(id)).Should().BeEmpty("only a save whose outcome the application could not know may add messages");
        host.IsRunning.Should().BeTrue();
        (confirmed.Count - atRestart).Should().BePositive("the application wrote again after the restart");
        await host.DisposeAsync();
        await slot.DisposeAsync();
    }

    [Fact]
    public async Task TwoInstances_TheStreamingOneSIGKILLed_TheStandByTakesOver_NothingLost()
    {
        await using LogSlot slot = await LogSlot.CreateAsync(Database.ConnectionString, "reliability");
        using ChildProcess first = ChildProcess.Start("relay", ("db", Database.ConnectionString), ("kafka", Kafka.BootstrapServers), ("name", "first-log-relay"), ("log-slot", slot.Name));
        await first.WaitForLineAsync("STARTED", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1)); // it holds the slot
        await using ScenarioHost second = await StartHostAsync(o => o.RelayName = "second-log-relay", configureBuilder: slot.Use);

        var written = new List<Guid>();
        long beforeKill = 0;
        for (int batch = 0; batch < 20; batch++)
        {
            written.AddRange(await second.CommitManyAsync(Topic, 50, 10, i => "key-" + (i % 25)));
            if (batch == 9)
            {
                beforeKill = KafkaTopicReader.GetEndOffsetSum(Kafka.BootstrapServers, Topic, TimeSpan.FromSeconds(5));
                first.Kill(); // mid-stream: the first instance holds some messages acknowledged and not yet confirmed
            }

            await Task.Delay(100);
        }

        var clock = Stopwatch.StartNew();
        Drain drain = await WaitForTopicAsync(written.Count, clock, TimeSpan.FromSeconds(60));
        DeliveryCount count = await CountAsync(written);
        Report(ScenarioRow.From("23 two log-tailing relays, the streaming one SIGKILLed mid-stream", count, drain,
            $"{beforeKill} on the topic when the streaming instance was killed (of {written.Count / 2} written by then); the stand-by took the slot over (it tries every 0.5 s); {count.Duplicates} sent twice (acknowledged by the killed one after its last confirmation); drain timed from the last write"));
        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        beforeKill.Should().BePositive("the first instance streamed before it was killed");
        second.Logs.Entries.Should().Contain(e => e.EventId.Id == 3301, "the stand-by says when it starts streaming");
    }

    /// <summary>Waits until the topic holds at least <paramref name="records"/> records (the log mode's drain: there are no rows to watch).</summary>
    private async Task<Drain> WaitForTopicAsync(long records, Stopwatch since, TimeSpan timeout)
    {
        while (true)
        {
            long onTopic = KafkaTopicReader.GetEndOffsetSum(Kafka.BootstrapServers, Topic, TimeSpan.FromSeconds(5));
            if (onTopic >= records || since.Elapsed > timeout)
            {
                OutboxSummary summary = await Database.SummaryAsync();
                return new Drain(since.Elapsed, onTopic >= records, summary);
            }

            await Task.Delay(200);
        }
    }

    private static async Task<long> WaitForLagBelowAsync(LogSlot slot, long bytes, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        long lag = await slot.LagBytesAsync();
        while (lag >= bytes && clock.Elapsed < timeout)
        {
            await Task.Delay(250);
            lag = await slot.LagBytesAsync();
        }

        return lag;
    }
}
