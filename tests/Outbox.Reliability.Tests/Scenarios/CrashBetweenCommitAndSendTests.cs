using System.Diagnostics;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.Kafka;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 2: the writing application is a real child process, killed with SIGKILL right after
/// its commits and before anything was sent; a relay started afterwards delivers every committed
/// message, and nothing of the transaction that was open at the kill.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class CrashBetweenCommitAndSendTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const int Messages = 500;

    [Fact]
    public async Task WriterKilledAfterCommitBeforeSend_RelayStartedLaterDeliversEveryCommittedMessage()
    {
        List<Guid> committed;
        List<Guid> inFlight;
        using (ChildProcess writer = ChildProcess.Start(
            "write-then-die",
            ("db", Database.ConnectionString),
            ("topic", Topic),
            ("count", Messages.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("per-tx", "50")))
        {
            await writer.WaitForLineAsync("READY", TimeSpan.FromSeconds(90));
            writer.Kill();
            committed = writer.IdsOn("COMMITTED");
            inFlight = writer.IdsOn("IN-FLIGHT");
        }

        committed.Should().HaveCount(Messages, "the writer reported every commit before it was killed");
        List<OutboxMessage> afterCrash = await Database.RowsAsync();
        afterCrash.Select(r => r.Id).Should().BeEquivalentTo(committed, "exactly the committed messages survive the crash; the open transaction died with the process");
        afterCrash.Should().OnlyContain(r => r.Status == OutboxStatus.Init);
        KafkaTopicReader.GetEndOffsetSum(Kafka.BootstrapServers, Topic, TimeSpan.FromSeconds(10)).Should().Be(0, "the writer never sent anything");

        var clock = Stopwatch.StartNew();
        await using ScenarioHost relay = await StartHostAsync();
        Drain drain = await Database.WaitForDrainAsync(Messages, clock, TimeSpan.FromSeconds(60));

        DeliveryCount count = await CountAsync(committed);
        Report(ScenarioRow.From("2 writer SIGKILLed after commit, before any send", count, drain,
            $"child process killed after {committed.Count} commits with {inFlight.Count} more saved in an open transaction: 0 of those stored or sent; 0 records before the relay started; drain timed from relay start"));
        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0);
        count.Duplicates.Should().Be(0);
        count.Foreign.Should().BeEmpty("nothing of the uncommitted transaction is sent");
        count.Ids.Should().NotIntersectWith(inFlight);
    }
}
