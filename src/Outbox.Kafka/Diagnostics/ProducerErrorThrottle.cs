using Confluent.Kafka;

namespace Outbox.Kafka.Diagnostics;

/// <summary>
/// Which of the producer's non-fatal errors reach the log at Warning. librdkafka reports a refused
/// connection at every reconnect, every 50-100 ms per broker while it is down (one unreachable
/// broker gave 322 Warnings in 50 s), so each error code warns once, then at most once per
/// interval with the count of repeats in between, which go to Debug. A delivered batch ends the
/// quiet period: the next outage warns at once.
/// </summary>
internal sealed class ProducerErrorThrottle(TimeProvider timeProvider, TimeSpan interval)
{
    private readonly Lock gate = new();
    private readonly Dictionary<ErrorCode, (long WarnedAt, int Repeats)> warnings = [];

    /// <summary>Records one occurrence of <paramref name="code"/> and tells whether it is logged as a Warning.</summary>
    /// <param name="code">The error's code.</param>
    /// <param name="repeats">When it warns: the occurrences kept at Debug since the code's last Warning.</param>
    public bool ShouldWarn(ErrorCode code, out int repeats)
    {
        lock (gate)
        {
            long now = timeProvider.GetTimestamp();
            if (warnings.TryGetValue(code, out (long WarnedAt, int Repeats) last) && timeProvider.GetElapsedTime(last.WarnedAt, now) < interval)
            {
                warnings[code] = (last.WarnedAt, last.Repeats + 1);
                repeats = 0;
                return false;
            }

            repeats = last.Repeats;
            warnings[code] = (now, 0);
            return true;
        }
    }

    /// <summary>A batch was delivered: the outage, if any, is over.</summary>
    public void Recovered()
    {
        lock (gate)
        {
            warnings.Clear();
        }
    }
}
