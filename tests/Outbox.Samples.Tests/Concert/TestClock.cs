namespace Outbox.Samples.Tests.Concert;

/// <summary>The real clock plus an offset a test can move forward (timers stay real, so the relay and consumers keep running).</summary>
public sealed class TestClock : TimeProvider
{
    private long offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);

    public void Reset() => Interlocked.Exchange(ref offsetTicks, 0);
}
