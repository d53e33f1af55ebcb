using Outbox.Storage;

namespace Outbox.Core.Tests.Messages;

public sealed class OutboxStateMachineTests
{
    private static readonly HashSet<(OutboxStatus From, OutboxStatus To)> Legal =
    [
        (OutboxStatus.Init, OutboxStatus.Publish),
        (OutboxStatus.Publish, OutboxStatus.Publish),
        (OutboxStatus.Publish, OutboxStatus.Complete),
        (OutboxStatus.Publish, OutboxStatus.Init),
        (OutboxStatus.Publish, OutboxStatus.Dead),
        (OutboxStatus.Dead, OutboxStatus.Init),
    ];

    public static TheoryData<OutboxStatus, OutboxStatus> EveryPair()
    {
        var data = new TheoryData<OutboxStatus, OutboxStatus>();
        foreach (OutboxStatus from in Enum.GetValues<OutboxStatus>())
        {
            foreach (OutboxStatus to in Enum.GetValues<OutboxStatus>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void CanTransition_EveryPair_IsLegalOnlyWhenTheDiagramSaysSo(OutboxStatus from, OutboxStatus to)
    {
        bool expected = Legal.Contains((from, to));

        OutboxStateMachine.CanTransition(from, to).Should().Be(expected);
        Action ensure = () => OutboxStateMachine.EnsureTransition(from, to);
        if (expected)
        {
            ensure.Should().NotThrow();
        }
        else
        {
            ensure.Should().Throw<InvalidOperationException>().WithMessage($"*from {from} to {to}*");
        }
    }

    [Fact]
    public void EveryPair_CoversAllSixteenCombinations() => EveryPair().Should().HaveCount(16);

    [Fact]
    public void SourcesOf_Complete_IsOnlyPublish() =>
        OutboxStateMachine.SourcesOf(OutboxStatus.Complete).Should().Equal(OutboxStatus.Publish);

    [Fact]
    public void SourcesOf_Init_IsPublishAndDead() =>
        OutboxStateMachine.SourcesOf(OutboxStatus.Init).Should().BeEquivalentTo([OutboxStatus.Publish, OutboxStatus.Dead]);

    [Theory]
    [InlineData(OutboxStatus.Init, true)]
    [InlineData(OutboxStatus.Publish, true)]
    [InlineData(OutboxStatus.Complete, false)]
    [InlineData(OutboxStatus.Dead, false)]
    public void IsUnfinished_Status_TrueOnlyForInitAndPublish(OutboxStatus status, bool expected) =>
        OutboxStateMachine.IsUnfinished(status).Should().Be(expected);
}
