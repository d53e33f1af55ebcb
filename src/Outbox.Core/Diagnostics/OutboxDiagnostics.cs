using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Outbox;

/// <summary>The names to subscribe to for the outbox's traces and metrics (OpenTelemetry: <c>AddSource</c>, <c>AddMeter</c>).</summary>
public static class OutboxDiagnostics
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name for relay and send spans.</summary>
    public const string ActivitySourceName = "Outbox";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name for the relay's instruments.</summary>
    public const string MeterName = "Outbox";

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName, typeof(OutboxDiagnostics).Assembly.GetName().Version?.ToString());
}
