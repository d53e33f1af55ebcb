using Outbox;
using Outbox.Diagnostics;

namespace OpenTelemetry.Metrics;

/// <summary>Subscribes an OpenTelemetry meter provider to the outbox's metrics.</summary>
public static class OutboxMeterProviderBuilderExtensions
{
    /// <summary>
    /// Adds the outbox's meters (<see cref="OutboxDiagnostics.MeterName"/>: the relay's counters,
    /// its pass duration and the backlog gauges; <see cref="OutboxDiagnostics.KafkaMeterName"/>: the
    /// messaging client's send duration and sent messages). Durations are in seconds with bucket
    /// advice, so no view is needed.
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static MeterProviderBuilder AddOutboxInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(OutboxDiagnostics.MeterName, OutboxDiagnostics.KafkaMeterName);
    }
}
