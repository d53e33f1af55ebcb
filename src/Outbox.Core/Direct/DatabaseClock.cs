namespace Outbox.Direct;

/// <summary>
/// The database's clock as this process can know it: a reading taken by a query, carried forward
/// on the monotonic clock (<see cref="TimeProvider.GetTimestamp"/>), never on the wall clock, so a
/// writer whose clock is set wrong or steps still writes leases on the database's time. Uncertain
/// by half the reading's round trip, the columns' resolution and a drift allowance.
/// </summary>
internal sealed class DatabaseClock(TimeProvider timeProvider)
{
    /// <summary>How long a reading is used: the drift allowance stays in milliseconds.</summary>
    public static readonly TimeSpan MaxReadingAge = TimeSpan.FromSeconds(60);

    /// <summary>The most uncertainty accepted from one reading (half its round trip).</summary>
    public static readonly TimeSpan MaxUncertainty = TimeSpan.FromMilliseconds(250);

    // SQLite's clock has millisecond resolution; quartz clocks drift well under 100 ppm.
    private static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(1);
    private const double DriftAllowance = 100e-6;

    private Reading? reading;

    /// <summary>Reads the database's clock with <paramref name="read"/> and keeps the reading when its round trip was short enough.</summary>
    /// <returns>Whether the reading was kept.</returns>
    public async Task<bool> ReadAsync(Func<CancellationToken, Task<DateTimeOffset>> read, CancellationToken cancellationToken)
    {
        long sent = timeProvider.GetTimestamp();
        DateTimeOffset now = await read(cancellationToken).ConfigureAwait(false);
        long received = timeProvider.GetTimestamp();
        TimeSpan halfTrip = timeProvider.GetElapsedTime(sent, received) / 2;
        if (halfTrip > MaxUncertainty)
        {
            return false;
        }

        Volatile.Write(ref reading, new Reading(now.ToUniversalTime(), sent + ((received - sent) / 2), halfTrip + Resolution));
        return true;
    }

    /// <summary>Estimates the database's now.</summary>
    /// <param name="now">The estimate (UTC).</param>
    /// <param name="timestamp">The monotonic time it is for.</param>
    /// <param name="uncertainty">How far it may be off.</param>
    /// <returns><see langword="false"/> when there is no reading younger than <see cref="MaxReadingAge"/>.</returns>
    public bool TryNow(out DateTimeOffset now, out long timestamp, out TimeSpan uncertainty)
    {
        Reading? current = Volatile.Read(ref reading);
        timestamp = timeProvider.GetTimestamp();
        if (current is null || timestamp < current.At || timeProvider.GetElapsedTime(current.At, timestamp) > MaxReadingAge)
        {
            now = default;
            uncertainty = default;
            return false;
        }

        TimeSpan age = timeProvider.GetElapsedTime(current.At, timestamp);
        now = current.Now + age;
        uncertainty = current.Uncertainty + (age * DriftAllowance);
        return true;
    }

    private sealed record Reading(DateTimeOffset Now, long At, TimeSpan Uncertainty);
}
