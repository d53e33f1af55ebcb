using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 16: the broker refuses the producer's writes to the topic (TOPIC_AUTHORIZATION_FAILED)
/// for a while, as when an ACL is missing until an operator adds it. A topic-level error is retried
/// with backoff: nothing goes DEAD, everything is delivered once the writes are allowed.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class TopicErrorsTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const short ProduceApiKey = 0;

    [Fact]
    public async Task SixAuthorizationFailures_RetriedWithBackoff_NothingDead_AllDelivered()
    {
        await using ScenarioHost host = await StartHostAsync(o => o.RetryDelay = TimeSpan.FromMilliseconds(200));
        await host.CommitAsync(Topic, 1, _ => "warm-up");
        await Database.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Complete), TimeSpan.FromSeconds(20));
        Kafka.PushRequestErrors(ProduceApiKey, Enumerable.Repeat(Confluent.Kafka.ErrorCode.TopicAuthorizationFailed, 6).ToArray());

        var order = new System.Collections.Concurrent.ConcurrentDictionary<string, List<Guid>>();
        List<Guid> written = await host.CommitManyAsync(Topic, 20, perTransaction: 20, i => "key-" + (i % 5), order);
        var clock = Stopwatch.StartNew();
        Drain drain = await Database.WaitForDrainAsync(written.Count + 1, clock, TimeSpan.FromSeconds(60));

        DeliveryCount count = await CountAsync(written);
        List<OutboxMessage> rows = (await Database.RowsAsync()).Where(r => written.Contains(r.Id)).ToList();
        Report(ScenarioRow.From("16 six TOPIC_AUTHORIZATION_FAILED answers to the producer", count, drain,
            $"20 messages over 5 keys; DEAD {rows.Count(r => r.Status == OutboxStatus.Dead)}; messages retried {rows.Count(r => r.Attempts > 0)} (most attempts {rows.Max(r => r.Attempts)}), last error of a retried one \"{rows.FirstOrDefault(r => r.Attempts > 0)?.LastError}\""));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        rows.Should().OnlyContain(r => r.Status == OutboxStatus.Complete, "an authorization error is about the topic, not the message: retried, never DEAD");
        rows.Should().Contain(r => r.Attempts > 0 && r.LastError!.Contains("TopicAuthorizationFailed"), "the errors were met and retried");
        count.KeyOrderViolations(order.ToDictionary(p => p.Key, p => p.Value)).Should().BeEmpty();
        InFlight.Max.Should().BeLessThanOrEqualTo(1);
    }
}
