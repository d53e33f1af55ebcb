using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.Fakes;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenarios 12 and 13: hosts whose clocks disagree. Order, due times and leases come from the
/// database, so a writer's or a relay's wrong clock changes nothing but the time part of its
/// message ids (which only identify messages).
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ClockSkewTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const int Keys = 20;

    [Fact]
    public async Task WritersInOtherProcessesWithClocks3sBehindAnd5sAhead_OrderIsCommitOrderAndNothingWaits()
    {
        await using ScenarioHost relay = await StartHostAsync();

        // For each key: A from this process (a correct clock), then B from a writer 3 s behind.
        List<Guid> a = await relay.CommitManyAsync(Topic, Keys, perTransaction: 1, i => "key-" + i);
        List<Guid> b = await WriteFromChildAsync(clockOffsetMs: -3000, count: Keys);
        // Then C from a writer 5 s ahead: due at once all the same.
        List<Guid> c = await WriteFromChildAsync(clockOffsetMs: 5000, count: Keys);
        var clock = Stopwatch.StartNew();

        Drain drain = await Database.WaitForDrainAsync(3 * Keys, clock, TimeSpan.FromSeconds(60));
        DeliveryCount count = await CountAsync([.. a, .. b, .. c]);
        var expected = Enumerable.Range(0, Keys).ToDictionary(i => "key-" + i, i => new List<Guid> { a[i], b[i], c[i] });
        List<string> violations = count.KeyOrderViolations(expected);
        List<OutboxMessage> rows = await Database.RowsAsync();
        double medianMs = Median(rows.Where(r => c.Contains(r.Id)).Select(r => (r.CompletedAt!.Value - r.CreatedAt).TotalMilliseconds));
        Report(ScenarioRow.From("12 writers in other processes with clocks 3 s behind and 5 s ahead", count, drain,
            $"{Keys} keys, each: A (correct clock), then B (a writer 3 s behind: its ids sort before A's), then C (a writer 5 s ahead); "
            + $"commit order kept for {Keys - violations.Count} of {Keys} keys; C's median time from insert to COMPLETE {medianMs:0} ms (database clock)",
            violations.Count));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        violations.Should().BeEmpty("order is the database's position, not the writers' clocks");
        medianMs.Should().BeLessThan(2000, "a writer's clock ahead does not make its messages due later");
        InFlight.Max.Should().BeLessThanOrEqualTo(1);
    }

    [Fact]
    public async Task TwoRelaysOneWithAClock150sAhead_NothingSentTwice()
    {
        const int messages = 500;
        await using ScenarioHost ahead = await StartHostAsync(
            o => o.RelayName = "relay-ahead",
            configureServices: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(new OffsetTimeProvider(TimeSpan.FromSeconds(150)))));
        await using ScenarioHost normal = await StartHostAsync(o => o.RelayName = "relay-normal");
        List<Guid> written = await normal.CommitManyAsync(Topic, messages, perTransaction: 25, i => "key-" + (i % 50));
        var clock = Stopwatch.StartNew();

        Drain drain = await Database.WaitForDrainAsync(messages, clock, TimeSpan.FromSeconds(60));
        DeliveryCount count = await CountAsync(written);
        List<OutboxMessage> rows = await Database.RowsAsync();
        Report(ScenarioRow.From("13 two relays, one with its clock 150 s ahead", count, drain,
            $"{messages} messages over 50 keys; lease ends and due times are the database's, so the fast clock takes nothing over early: records {count.Records.Count}, messages taken over (attempts > 0) {rows.Count(r => r.Attempts > 0)}"));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        count.Duplicates.Should().Be(0, "neither relay's clock can end the other's lease");
        rows.Should().OnlyContain(r => r.Attempts == 0);
        InFlight.Max.Should().BeLessThanOrEqualTo(1);
    }

    private async Task<List<Guid>> WriteFromChildAsync(int clockOffsetMs, int count)
    {
        using ChildProcess writer = ChildProcess.Start(
            "write",
            ("db", Database.ConnectionString),
            ("topic", Topic),
            ("count", count.ToString(CultureInfo.InvariantCulture)),
            ("keys", Keys.ToString(CultureInfo.InvariantCulture)),
            ("clock-offset-ms", clockOffsetMs.ToString(CultureInfo.InvariantCulture)));
        await writer.WaitForLineAsync("ALL-COMMITTED", TimeSpan.FromSeconds(90));
        return writer.IdsOn("COMMITTED");
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
