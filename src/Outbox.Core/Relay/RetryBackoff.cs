namespace Outbox.Relay;

/// <summary>
/// The delay before a failed message's next attempt: exponential from
/// <see cref="OutboxOptions.RetryDelay"/>, capped at <see cref="OutboxOptions.MaxRetryDelay"/>,
/// with ±25% jitter so many relays do not retry in step.
/// </summary>
internal static class RetryBackoff
{
    public static TimeSpan DelayFor(int attempts, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        double exponent = Math.Min(Math.Max(attempts - 1, 0), 30);
        double milliseconds = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, exponent), maxDelay.TotalMilliseconds);
        double jittered = milliseconds * (0.75 + (0.5 * random));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, maxDelay.TotalMilliseconds));
    }
}
