using System.Diagnostics.Metrics;

namespace Outbox.Diagnostics;

/// <summary>The relay pass histogram: recorded in seconds (OpenTelemetry's unit for durations), tagged with the relay's name.</summary>
internal sealed class RelayPassDuration(Histogram<double> histogram, string relayName)
{
    /// <summary>Records one pass.</summary>
    /// <param name="elapsed">The pass's duration.</param>
    public void Record(TimeSpan elapsed) =>
        histogram.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(OutboxTelemetryNames.RelayName, relayName));
}
