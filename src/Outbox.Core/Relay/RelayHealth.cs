namespace Outbox.Relay;

/// <summary>
/// What the hosted relay says about itself, for the health check: whether its loops run, and
/// since when its passes have been failing (database down, …) without one succeeding.
/// </summary>
internal sealed class RelayHealth(TimeProvider timeProvider)
{
    private const long NotFailing = long.MinValue;

    private long failingSince = NotFailing;
    private volatile bool running;
    private volatile string? lastError;

    /// <summary>Gets whether the relay loops run (set once they started, cleared when they return).</summary>
    public bool IsRunning => running;

    /// <summary>Gets the error of the last failed pass while passes are failing, or <see langword="null"/>.</summary>
    public string? LastError => FailingFor is null ? null : lastError;

    /// <summary>Gets how long passes have been failing with none succeeding, or <see langword="null"/> when the last pass succeeded.</summary>
    public TimeSpan? FailingFor
    {
        get
        {
            long since = Interlocked.Read(ref failingSince);
            return since == NotFailing ? null : timeProvider.GetElapsedTime(since);
        }
    }

    public void Started() => running = true;

    public void Stopped() => running = false;

    public void PassSucceeded()
    {
        if (Interlocked.Read(ref failingSince) != NotFailing)
        {
            Interlocked.Exchange(ref failingSince, NotFailing);
        }
    }

    public void PassFailed(Exception exception)
    {
        lastError = $"{exception.GetType().Name}: {exception.Message}";
        Interlocked.CompareExchange(ref failingSince, timeProvider.GetTimestamp(), NotFailing);
    }
}
