using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using Outbox.Kafka.Diagnostics;

namespace Outbox.Kafka.Tests;

/// <summary>A broker outage's reconnect errors: one Warning per error code per interval, the repeats counted.</summary>
public sealed class ProducerErrorThrottleTests
{
    private readonly FakeTimeProvider clock = new();
    private readonly ProducerErrorThrottle throttle;

    public ProducerErrorThrottleTests() => throttle = new ProducerErrorThrottle(clock, TimeSpan.FromMinutes(1));

    [Fact]
    public void ShouldWarn_RepeatsWithinTheInterval_StayQuietThenTheNextWarningCountsThem()
    {
        throttle.ShouldWarn(ErrorCode.Local_Transport, out int first).Should().BeTrue("the first refused connection warns");
        first.Should().Be(0);
        for (int i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            throttle.ShouldWarn(ErrorCode.Local_Transport, out _).Should().BeFalse($"repeat {i + 1} is within the minute");
        }

        throttle.ShouldWarn(ErrorCode.Local_AllBrokersDown, out _).Should().BeTrue("another error code warns on its own");

        clock.Advance(TimeSpan.FromSeconds(10));
        throttle.ShouldWarn(ErrorCode.Local_Transport, out int repeats).Should().BeTrue("a minute after the first Warning");
        repeats.Should().Be(5);
    }

    [Fact]
    public void Recovered_ADeliveredBatch_TheNextOutageWarnsAtOnce()
    {
        throttle.ShouldWarn(ErrorCode.Local_Transport, out _).Should().BeTrue();
        throttle.ShouldWarn(ErrorCode.Local_Transport, out _).Should().BeFalse();

        throttle.Recovered();

        throttle.ShouldWarn(ErrorCode.Local_Transport, out int repeats).Should().BeTrue();
        repeats.Should().Be(0, "the repeats of the outage that ended are forgotten");
    }
}
