using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// The inbox's reason to exist: a consumer process is killed with SIGKILL after its handler's
/// transaction committed but before the record's offset was committed. The next consumer in the
/// group reads that record again; the inbox recognises its message id and the handler's effect
/// (one order row per handling, with no unique key to hide a second) exists once per message.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class InboxConsumerCrashTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private const int Messages = 60;
    private const int CommitsBeforeTheKill = 25;
    private const string Group = "inbox-crash";

    [Fact]
    public async Task ConsumerKilledAfterCommitBeforeOffsetCommit_EachMessageHandledOnce()
    {
        List<Guid> written;
        await using (ScenarioHost relay = await StartHostAsync())
        {
            written = await relay.CommitManyAsync(Topic, Messages, perTransaction: 10, i => "key-" + (i % 7));
            (await Database.WaitForDrainAsync(Messages, System.Diagnostics.Stopwatch.StartNew(), TimeSpan.FromSeconds(60))).ShouldHaveDrained();
        }

        using (ChildProcess doomed = ChildProcess.Start(
            "consume-die-after-commit",
            ("db", Database.ConnectionString),
            ("kafka", Kafka.BootstrapServers),
            ("topic", Topic),
            ("group", Group),
            ("commits", CommitsBeforeTheKill.ToString(CultureInfo.InvariantCulture))))
        {
            await doomed.WaitForLineAsync("DIE-POINT", TimeSpan.FromSeconds(90));
            doomed.Kill();
        }

        (await HandlingsAsync()).Values.Sum().Should().Be(CommitsBeforeTheKill, "the killed consumer committed this many handler transactions");

        ChildProcess next = ChildProcess.Start("consume", ("db", Database.ConnectionString), ("kafka", Kafka.BootstrapServers), ("topic", Topic), ("group", Group));
        Dictionary<string, int> handlings;
        List<string> outcomes;
        using (next)
        {
            for (DateTime deadline = DateTime.UtcNow.AddSeconds(90); ; await Task.Delay(200))
            {
                handlings = await HandlingsAsync();
                outcomes = Outcomes(next);
                if ((handlings.Count >= Messages && outcomes.Contains("duplicate")) || DateTime.UtcNow > deadline)
                {
                    break;
                }
            }

            await Task.Delay(1000); // anything else the next consumer was going to do, it does now
            handlings = await HandlingsAsync();
            outcomes = Outcomes(next);
            next.Kill();
        }

        int duplicates = outcomes.Count(o => o == "duplicate");
        int handledByNext = outcomes.Count(o => o == "handled");
        Output.WriteLine(
            $"inbox SIGKILL: {Messages} messages; killed after {CommitsBeforeTheKill} committed handlings; the next consumer read {outcomes.Count} records: " +
            $"{handledByNext} handled, {duplicates} skipped as duplicates; order rows per message id: max {handlings.Values.DefaultIfEmpty().Max()}, {handlings.Values.Sum()} in all");
        handlings.Keys.Should().BeEquivalentTo(written.Select(id => id.ToString()), "every message was handled");
        handlings.Should().OnlyContain(h => h.Value == 1, "no message was handled twice, although one was read twice");
        duplicates.Should().BeGreaterThanOrEqualTo(1, "the record whose transaction committed before the kill came again, and the inbox skipped it");
        handledByNext.Should().Be(Messages - CommitsBeforeTheKill);
        outcomes.Should().NotContain("unidentified");
    }

    /// <summary>The handler's effect: order rows per message id.</summary>
    private async Task<Dictionary<string, int>> HandlingsAsync()
    {
        await using var context = Database.CreateContext();
        return await context.Orders.Where(o => o.Customer != "reliability").GroupBy(o => o.Customer).ToDictionaryAsync(g => g.Key, g => g.Count());
    }

    private static List<string> Outcomes(ChildProcess consumer) =>
        consumer.Lines.Where(l => l.StartsWith("OUTCOME ", StringComparison.Ordinal)).Select(l => l["OUTCOME ".Length..]).ToList();
}
