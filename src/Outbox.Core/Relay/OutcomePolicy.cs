using Outbox.Messages;
using Outbox.Storage;
using Outbox.Transport;

namespace Outbox.Relay;

/// <summary>
/// The relay's state rule, pure: what a send result makes of a claimed message. Delivered →
/// COMPLETE; refused → DEAD; failed → INIT after a backoff (exponential from
/// <see cref="OutboxOptions.RetryDelay"/> to <see cref="OutboxOptions.MaxRetryDelay"/>, the jitter
/// given by the caller), DEAD once <see cref="OutboxOptions.MaxAttempts"/> are used; not sent, or
/// failed while the host stops → INIT, due at once, attempts unchanged; sent and awaiting a
/// confirmation → no outcome (the message stays PUBLISH). No clock, no randomness, no I/O: every
/// input is an argument, so it is tested case by case.
/// </summary>
internal sealed class OutcomePolicy(OutboxOptions options)
{
    /// <summary>The outcome to record for <paramref name="message"/>, or <see langword="null"/> when it stays PUBLISH awaiting a confirmation.</summary>
    /// <param name="leaseOwner">The claim (or direct owner) the message is held under.</param>
    /// <param name="message">The message, as claimed.</param>
    /// <param name="result">Its send result.</param>
    /// <param name="jitter">A number in [0, 1) that places the retry delay within ±25 % of its exponential value.</param>
    /// <param name="stopping">Whether the host is stopping: a failure then gives the message back unchanged.</param>
    public OutboxOutcome? Next(string leaseOwner, OutboxMessage message, OutboxSendResult result, double jitter, bool stopping)
    {
        OutboxStatus status;
        int attempts = message.Attempts;
        TimeSpan retryAfter = TimeSpan.Zero;
        string? error = result.Error;
        bool sent = true;
        switch (result.Status)
        {
            case OutboxSendStatus.Sent:
                return null;
            case OutboxSendStatus.Delivered:
                status = OutboxStatus.Complete;
                break;
            case OutboxSendStatus.Rejected:
                status = OutboxStatus.Dead;
                attempts++;
                break;
            case OutboxSendStatus.NotSent:
            case OutboxSendStatus.Failed when stopping:
                status = OutboxStatus.Init;
                error = null;
                sent = result.Status != OutboxSendStatus.NotSent;
                break;
            default:
                attempts++;
                if (attempts >= options.MaxAttempts)
                {
                    status = OutboxStatus.Dead;
                }
                else
                {
                    status = OutboxStatus.Init;
                    retryAfter = RetryBackoff.DelayFor(attempts, options.RetryDelay, options.MaxRetryDelay, jitter);
                }

                break;
        }

        OutboxStateMachine.EnsureTransition(OutboxStatus.Publish, status);
        return new OutboxOutcome(message.Id, leaseOwner, status, attempts, retryAfter, OutboxText.ForStorage(error), sent);
    }

    /// <summary>Outcomes that give messages back unsent: INIT, due at once, unchanged otherwise.</summary>
    public static OutboxOutcome[] Released(string leaseOwner, IEnumerable<OutboxMessage> messages) =>
        messages.Select(m => new OutboxOutcome(m.Id, leaseOwner, OutboxStatus.Init, m.Attempts, TimeSpan.Zero, null)).ToArray();
}
