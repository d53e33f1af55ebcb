using System.Collections.Concurrent;
using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.PostgreSql;
using Outbox.Transport;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 18: the transport fails every message once with an error text PostgreSQL cannot store
/// (a NUL character and half a surrogate pair, 3,000 characters long). The text is cleaned before it
/// is written, so the outcomes are recorded, the messages retried and delivered, and the relay never
/// stops for them.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class UnstorableErrorTextTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    [Fact]
    public async Task ErrorTextTheDatabaseRefuses_IsCleaned_EveryMessageRetriedAndDelivered()
    {
        string poisonText = "broker said \0 and \uD83D" + new string('x', 3000);
        var failedOnce = new ConcurrentDictionary<Guid, bool>();
        await using ScenarioHost host = await StartHostAsync(
            o => { o.RetryDelay = TimeSpan.FromMilliseconds(200); o.MaxConcurrentBatches = 1; },
            configureServices: s => ServiceDecorator.Decorate<IOutboxTransport>(s, inner =>
                new ScriptedTransport(inner, m => failedOnce.TryAdd(m.Id, true) ? OutboxSendResult.Failed(poisonText) : null)));

        List<Guid> written = await host.CommitManyAsync(Topic, 10, perTransaction: 10, i => "key-" + i);
        var clock = Stopwatch.StartNew();
        Drain drain = await Database.WaitForDrainAsync(written.Count, clock, TimeSpan.FromSeconds(60));

        DeliveryCount count = await CountAsync(written);
        List<OutboxMessage> rows = await Database.RowsAsync();
        Report(ScenarioRow.From("18 every first send fails with an error text PostgreSQL cannot store (NUL, lone surrogate, 3,000 chars)", count, drain,
            $"10 messages; delivered after their retry {rows.Count(r => r.Status == OutboxStatus.Complete && r.Attempts == 1)}; stored error {rows[0].LastError?.Length} characters, NUL {rows[0].LastError?.Contains('\0')}, host running {host.IsRunning}"));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        rows.Should().OnlyContain(r => r.Status == OutboxStatus.Complete && r.Attempts == 1);
        rows.Should().OnlyContain(r => r.LastError!.Length == OutboxMessage.MaxLastErrorLength && !r.LastError.Contains('\0') && r.LastError.StartsWith("broker said  and \uFFFD", StringComparison.Ordinal));
        host.IsRunning.Should().BeTrue();
    }
}
