using System.Diagnostics;
using Outbox.Kafka;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 17: Consumer confirmation mode, and the confirmation consumer can never read the topic
/// back (it points at a broker that is not there). Each lapsed lease counts as an attempt: the
/// message is sent once per attempt, not once per lease forever, and goes DEAD after MaxAttempts.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class NeverConfirmedTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    [Fact]
    public async Task ConsumerModeAndNoConfirmationEver_SentOncePerAttempt_DeadAfterMaxAttempts()
    {
        await using ScenarioHost host = await StartHostAsync(
            o =>
            {
                o.MaxAttempts = 3;
                // A send that times out also counts as an attempt, without a record; 2 s keeps a slow
                // CI machine's first send from timing out (500 ms once did), and the lease covers it.
                o.LeaseDuration = TimeSpan.FromSeconds(7);
                o.RetryDelay = TimeSpan.FromMilliseconds(200);
            },
            k =>
            {
                k.SendTimeout = TimeSpan.FromSeconds(2);
                k.ConfirmationMode = KafkaConfirmationMode.Consumer;
                k.ConfirmationTopics.Add(Topic);
                k.Consumer.BootstrapServers = "127.0.0.1:9"; // nothing listens: no confirmation ever comes
            });
        List<Guid> written = await host.CommitAsync(Topic, 1, _ => "unconfirmed");
        var clock = Stopwatch.StartNew();

        List<OutboxMessage> rows = await Database.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Dead), TimeSpan.FromSeconds(60));
        Drain drain = await Database.WaitForDrainAsync(1, clock, TimeSpan.FromSeconds(5));
        DeliveryCount count = await CountAsync(written);
        OutboxMessage row = rows.Single();
        Report(ScenarioRow.From("17 Consumer confirmation mode, no confirmation ever arrives", count, drain,
            $"1 message, MaxAttempts 3, lease 7 s: sent {count.Records.Count} times in {drain.Time.TotalSeconds:0} s, then {row.Status} after {row.Attempts} attempts: \"{row.LastError}\""));

        row.Status.Should().Be(OutboxStatus.Dead, "an unconfirmed send counts as an attempt");
        count.Records.Should().HaveCount(3, $"once per attempt, then no more (last error: {row.LastError})");
        row.LastError.Should().Contain("never completed");
        count.Lost.Should().Be(0, "it did reach the topic; only the confirmation never came");
        InFlight.Max.Should().BeLessThanOrEqualTo(1);
    }
}
