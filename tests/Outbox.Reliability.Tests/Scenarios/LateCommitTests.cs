using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.PostgreSql;
using Outbox.Transport;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 11: late commits. For each of 10 keys a transaction stages its event first (the lower
/// position) and commits last, after another transaction's event of the same key was committed,
/// claimed, and failed its first send. The relay must never have two messages of a key in flight,
/// and must send each key's messages in the order it first saw them: the one it claimed first,
/// through its retry, then the late one.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class LateCommitTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const int Keys = 10;

    [Fact]
    public async Task LowerPositionCommitsAfterAHigherOneWasClaimedAndFailed_NeverTwoInFlight_ClaimedOneStaysFirst()
    {
        var firstTry = new ConcurrentDictionary<Guid, bool>();
        var early = new ConcurrentDictionary<Guid, bool>();
        await using ScenarioHost host = await StartHostAsync(configureServices: services => ServiceDecorator.Decorate<IOutboxTransport>(services, inner =>
            new ScriptedTransport(inner, m => early.ContainsKey(m.Id) && firstTry.TryAdd(m.Id, true) ? OutboxSendResult.Failed("NotLeaderForPartition: injected once") : null)));

        var expected = new Dictionary<string, List<Guid>>(StringComparer.Ordinal);
        var written = new List<Guid>();
        var late = new List<(AsyncServiceScope Scope, IDbContextTransaction Transaction, Guid Id)>();
        for (int k = 0; k < Keys; k++)
        {
            string key = "late-" + k;
            AsyncServiceScope scope = host.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            IDbContextTransaction transaction = await db.Database.BeginTransactionAsync();
            Guid lateId = scope.ServiceProvider.GetRequiredService<IOutbox>().AddRaw(Topic, key, [1], "Late").Id;
            await db.SaveChangesAsync(); // inserted: the lower position, not visible yet
            late.Add((scope, transaction, lateId));

            Guid earlyId = (await host.CommitAsync(Topic, 1, _ => key))[0];
            early[earlyId] = true;
            expected[key] = [earlyId, lateId];
            written.Add(earlyId);
            written.Add(lateId);
        }

        // Every early message was claimed and its first send failed: it waits for its retry.
        await Database.WaitForRowsAsync(r => r.Where(m => early.ContainsKey(m.Id)).All(m => m.Attempts == 1), TimeSpan.FromSeconds(30));
        foreach ((AsyncServiceScope scope, IDbContextTransaction transaction, _) in late)
        {
            await transaction.CommitAsync();
            await transaction.DisposeAsync();
            await scope.DisposeAsync();
        }

        var clock = Stopwatch.StartNew();
        Drain drain = await Database.WaitForDrainAsync(written.Count, clock, TimeSpan.FromSeconds(60));
        DeliveryCount count = await CountAsync(written);
        List<string> violations = count.KeyOrderViolations(expected);
        Report(ScenarioRow.From("11 late commit: a lower position commits after a higher one was claimed and failed once", count, drain,
            $"{Keys} keys, each: transaction L stages first (lower position) and stays open, transaction E commits, is claimed, its send fails once; then L commits; "
            + $"each key sent E (retried) before L for {Keys - violations.Count} of {Keys} keys; most in flight per key {InFlight.Max} ({InFlight.Samples} samples); drain timed from the late commits",
            violations.Count));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        violations.Should().BeEmpty("a message claimed first is never overtaken by one seen after it");
        InFlight.Max.Should().BeLessThanOrEqualTo(1, "never two messages of a key in flight");
        count.Duplicates.Should().Be(0);
    }
}
