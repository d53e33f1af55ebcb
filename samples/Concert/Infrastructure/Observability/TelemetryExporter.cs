namespace Concert.Infrastructure.Observability;

/// <summary>Where the sample sends its spans and metrics (Telemetry:Exporter).</summary>
internal enum TelemetryExporter
{
    /// <summary>Nowhere: no OpenTelemetry SDK (the default).</summary>
    None,

    /// <summary>Printed to the console.</summary>
    Console,

    /// <summary>Sent over OTLP to the collector the OTEL_EXPORTER_OTLP_* variables name.</summary>
    Otlp,
}
