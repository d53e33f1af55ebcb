namespace Outbox.TestSupport.Fakes;

/// <summary>
/// A clock that runs <see cref="Offset"/> ahead of (or, negative, behind) another clock, the system's by default:
/// a host whose clock is wrong. Its timestamps and timers are the other clock's, so delays still elapse as that
/// one moves (FakeTimeProvider cannot go back in time; this one can, by changing <see cref="Offset"/>).
/// </summary>
public sealed class OffsetTimeProvider(TimeSpan offset, TimeProvider? inner = null) : TimeProvider
{
    private readonly TimeProvider inner = inner ?? System;
    private long offsetTicks = offset.Ticks;

    /// <summary>Gets or sets how far this clock runs ahead of the other one (negative: behind).</summary>
    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));
        set => Interlocked.Exchange(ref offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Offset;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
