using System.Diagnostics.Metrics;

namespace Outbox;

/// <summary>The relay pass histogram: recorded in seconds (OpenTelemetry's unit for durations), tagged with the relay's name.</summary>
internal sealed class RelayPassDuration(Histogram<double> histogram, string relayName)
{
    /// <summary>Records one pass.</summary>
    /// <param name="elapsedMilliseconds">The pass's duration in milliseconds, as the relay measures it; stored in seconds.</param>
    public void Record(double elapsedMilliseconds) =>
        histogram.Record(elapsedMilliseconds / 1000, new KeyValuePair<string, object?>(OutboxTelemetryNames.RelayName, relayName));

    /// <summary>Records one pass.</summary>
    /// <param name="elapsed">The pass's duration.</param>
    public void Record(TimeSpan elapsed) =>
        histogram.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(OutboxTelemetryNames.RelayName, relayName));
}
