using Outbox;
using Outbox.Diagnostics;

namespace OpenTelemetry.Trace;

/// <summary>Subscribes an OpenTelemetry tracer to the outbox's spans.</summary>
public static class OutboxTracerProviderBuilderExtensions
{
    /// <summary>
    /// Adds the outbox's activity sources (<see cref="OutboxDiagnostics.ActivitySourceName"/>: a span
    /// per relay pass; <see cref="OutboxDiagnostics.KafkaActivitySourceName"/>: a <c>send {topic}</c>
    /// producer span per batch, linked to the traces the messages were written in).
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static TracerProviderBuilder AddOutboxInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(OutboxDiagnostics.ActivitySourceName, OutboxDiagnostics.KafkaActivitySourceName);
    }
}
