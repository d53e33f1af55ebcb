namespace Outbox.TestSupport.Fakes;

/// <summary>A clock that runs <paramref name="offset"/> ahead of (or, negative, behind) the system's: a host whose clock is wrong.</summary>
public sealed class OffsetTimeProvider(TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset { get; } = offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
