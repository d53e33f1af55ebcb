using Outbox.Relay;
using Outbox.Storage;
using Outbox.Transport;

namespace Outbox.Core.Tests.Relay;

/// <summary>The relay's state rule, case by case: every input is an argument (jitter included), so each expectation is exact.</summary>
public sealed class OutcomePolicyTests
{
    private readonly OutboxOptions options = new() { RetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(10), MaxAttempts = 3 };
    private readonly OutcomePolicy policy;

    public OutcomePolicyTests() => policy = new OutcomePolicy(options);

    [Fact]
    public void Next_Delivered_CompleteWithAttemptsUnchanged()
    {
        OutboxOutcome outcome = policy.Next("owner", Message(attempts: 1), OutboxSendResult.Delivered, jitter: 0.5, stopping: false)!.Value;

        outcome.Should().Be(new OutboxOutcome(outcome.MessageId, "owner", OutboxStatus.Complete, 1, TimeSpan.Zero, null, WasSent: true));
    }

    [Theory]
    [InlineData(0.0, 0, 750)]    // first failure: 1 s × 2^0, jitter at its low end (-25 %)
    [InlineData(0.5, 0, 1000)]   // middle: the exponential value itself
    [InlineData(0.5, 1, 2000)]   // second failure: 1 s × 2^1
    [InlineData(0.999, 1, 2499)] // high end, just under +25 %
    public void Next_Failed_InitAfterExponentialBackoffPlacedByTheJitter(double jitter, int attemptsBefore, int expectedMilliseconds)
    {
        OutboxOutcome outcome = policy.Next("owner", Message(attemptsBefore), OutboxSendResult.Failed("down"), jitter, stopping: false)!.Value;

        outcome.Status.Should().Be(OutboxStatus.Init);
        outcome.Attempts.Should().Be(attemptsBefore + 1);
        outcome.RetryAfter.TotalMilliseconds.Should().BeApproximately(expectedMilliseconds, 1);
        outcome.LastError.Should().Be("down");
        outcome.WasSent.Should().BeTrue();
    }

    [Fact]
    public void Next_FailedBackoffBeyondTheMaximum_IsCappedAtMaxRetryDelay()
    {
        var patient = new OutcomePolicy(new OutboxOptions { RetryDelay = TimeSpan.FromSeconds(8), MaxRetryDelay = TimeSpan.FromSeconds(10), MaxAttempts = 10 });

        patient.Next("owner", Message(3), OutboxSendResult.Failed("down"), jitter: 0.999, stopping: false)!.Value.RetryAfter.Should().Be(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Next_FailedOnTheLastAttempt_Dead()
    {
        OutboxOutcome outcome = policy.Next("owner", Message(options.MaxAttempts - 1), OutboxSendResult.Failed("down"), 0.5, stopping: false)!.Value;

        outcome.Status.Should().Be(OutboxStatus.Dead);
        outcome.Attempts.Should().Be(options.MaxAttempts);
        outcome.RetryAfter.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Next_Rejected_DeadAtOnceCountingTheAttempt()
    {
        OutboxOutcome outcome = policy.Next("owner", Message(0), OutboxSendResult.Rejected("too large"), 0.5, stopping: false)!.Value;

        outcome.Status.Should().Be(OutboxStatus.Dead);
        outcome.Attempts.Should().Be(1);
        outcome.LastError.Should().Be("too large");
    }

    [Fact]
    public void Next_FailedWhileStopping_GivenBackDueAtOnceWithoutAnAttemptButMarkedSent()
    {
        OutboxOutcome outcome = policy.Next("owner", Message(1), OutboxSendResult.Failed("cancelled"), 0.5, stopping: true)!.Value;

        outcome.Should().Be(new OutboxOutcome(outcome.MessageId, "owner", OutboxStatus.Init, 1, TimeSpan.Zero, null, WasSent: true));
    }

    [Fact]
    public void Next_NotSent_GivenBackUnchangedAndNotMarkedSent()
    {
        OutboxOutcome outcome = policy.Next("owner", Message(2), OutboxSendResult.NotSent, 0.5, stopping: false)!.Value;

        outcome.Should().Be(new OutboxOutcome(outcome.MessageId, "owner", OutboxStatus.Init, 2, TimeSpan.Zero, null, WasSent: false));
    }

    [Fact]
    public void Next_SentAwaitingConfirmation_NoOutcomeSoTheMessageStaysPublish() =>
        policy.Next("owner", Message(0), new OutboxSendResult(OutboxSendStatus.Sent), 0.5, stopping: false).Should().BeNull();

    [Fact]
    public void Next_ErrorTooLongOrWithNul_StoredCleanedAndCut()
    {
        OutboxOutcome outcome = policy.Next("owner", Message(0), OutboxSendResult.Failed("a\0b" + new string('x', 5000)), 0.5, stopping: false)!.Value;

        outcome.LastError!.Length.Should().Be(OutboxMessage.MaxLastErrorLength);
        outcome.LastError.Should().StartWith("ab").And.NotContain("\0");
    }

    private static OutboxMessage Message(int attempts) =>
        new() { Id = Guid.CreateVersion7(), Topic = "orders", Payload = [1], Status = OutboxStatus.Publish, Attempts = attempts };
}
