using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.Kafka;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 3: a relay process is killed after the broker acknowledged its batch but before
/// COMPLETE was recorded. The next relay sends the batch again with the same message ids: the
/// suite counts the duplicates, and a consumer that deduplicates by id handles each message once.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class CrashAfterAckTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const int Messages = 200;
    private const int LeaseMilliseconds = 8000; // sends take up to 3 s here: 8 s leave room for a slow claim on a busy machine

    [Fact]
    public async Task RelayKilledAfterAckBeforeComplete_ResentWithSameIds_DeduplicatingConsumerHandlesEachOnce()
    {
        List<Guid> written;
        await using (ScenarioHost writer = await StartHostAsync(o => o.EnableRelay = false))
        {
            written = await writer.CommitManyAsync(Topic, Messages, perTransaction: 20, i => "key-" + i);
        }

        List<Guid> acked;
        using (ChildProcess relay = ChildProcess.Start(
            "relay-die-before-complete",
            ("db", Database.ConnectionString),
            ("kafka", Kafka.BootstrapServers),
            ("lease-ms", LeaseMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("name", "doomed-relay")))
        {
            await relay.WaitForLineAsync("ACKED-ALL", TimeSpan.FromSeconds(90));

            // The relay may run several passes at once (MaxConcurrentBatches): kill it once every
            // message it claimed is acknowledged and held, unrecorded, by one of them.
            for (DateTime deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(100))
            {
                int announced = relay.Lines.Where(l => l.StartsWith("ACKED-ALL", StringComparison.Ordinal)).Sum(l => int.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));
                if (announced >= Messages)
                {
                    break;
                }
            }

            relay.Kill();
            acked = relay.IdsOn("ACKED");
        }

        var clock = Stopwatch.StartNew();
        acked.Should().BeEquivalentTo(written, "the killed relay's batches held every message and the broker acknowledged all of them");
        KafkaTopicReader.GetEndOffsetSum(Kafka.BootstrapServers, Topic, TimeSpan.FromSeconds(10)).Should().Be(Messages, "the broker has the batch");
        (await Database.RowsAsync()).Should().OnlyContain(r => r.Status == OutboxStatus.Publish && r.LeaseOwner!.StartsWith("doomed-relay/"), "COMPLETE was never recorded");

        await using ScenarioHost next = await StartHostAsync();
        Drain drain = await Database.WaitForDrainAsync(Messages, clock, TimeSpan.FromSeconds(60));

        DeliveryCount count = await CountAsync(written);
        DeduplicatingConsumer consumer = new DeduplicatingConsumer().Consume(count.Records);
        Report(ScenarioRow.From("3 relay SIGKILLed after broker ack, before COMPLETE", count, drain,
            $"all {acked.Count} re-sent after the {LeaseMilliseconds / 1000} s lease with the same message id (each id twice on the topic); a consumer deduplicating by id handled {consumer.Handled.Count}, dropped {consumer.Dropped}; drain timed from the kill"));
        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        count.Duplicates.Should().Be(Messages, "at-least-once: the unrecorded batch is sent again");
        count.Ids.GroupBy(id => id).Should().OnlyContain(g => g.Count() == 2, "the re-send carries the same message id");
        consumer.Handled.Should().BeEquivalentTo(written).And.HaveCount(Messages, "deduplicating by id, the consumer sees every message once");
        consumer.Dropped.Should().Be(Messages);
        (await Database.RowsAsync()).Should().OnlyContain(r => r.Status == OutboxStatus.Complete);
    }
}
