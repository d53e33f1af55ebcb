using System.Diagnostics;

namespace Outbox.Diagnostics;

/// <summary>
/// The names to subscribe to for the outbox's traces and metrics: one <see cref="ActivitySource"/>
/// and one <see cref="System.Diagnostics.Metrics.Meter"/> per package, named after the package.
/// With OpenTelemetry, <c>AddOutboxInstrumentation()</c> on the tracer and meter builders adds them
/// all; otherwise pass these names to <c>AddSource</c> and <c>AddMeter</c>.
/// </summary>
public static class OutboxDiagnostics
{
    /// <summary>The <see cref="ActivitySource"/> name of <c>Outbox.Core</c>: a span per relay pass.</summary>
    public const string ActivitySourceName = "Outbox.Core";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of <c>Outbox.Core</c>: the relay's counters and pass duration, the backlog gauges.</summary>
    public const string MeterName = "Outbox.Core";

    /// <summary>The <see cref="ActivitySource"/> name of <c>Outbox.Kafka</c>: a <c>send {topic}</c> producer span per batch.</summary>
    public const string KafkaActivitySourceName = "Outbox.Kafka";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of <c>Outbox.Kafka</c>: the messaging client's send duration and sent messages.</summary>
    public const string KafkaMeterName = "Outbox.Kafka";

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName, typeof(OutboxDiagnostics).Assembly.GetName().Version?.ToString());
}
