using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Concert.Infrastructure.Observability;

internal static class ObservabilityServiceCollectionExtensions
{
    /// <summary>
    /// The outbox's health check (served at <c>/health</c>) and, when Telemetry:Exporter says so,
    /// its spans and metrics with ASP.NET Core's: <c>console</c> prints them, <c>otlp</c> sends them
    /// to the collector the standard OTEL_EXPORTER_OTLP_* variables name (localhost:4317 by default).
    /// </summary>
    public static IServiceCollection AddConcertObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHealthChecks().AddOutboxHealthCheck(o => configuration.GetSection("Outbox:Health").Bind(o));

        TelemetryExporter exporter = configuration.GetValue("Telemetry:Exporter", TelemetryExporter.None);
        if (exporter == TelemetryExporter.None)
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("concert-api"))
            .WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation().AddOutboxInstrumentation();
                _ = exporter == TelemetryExporter.Console ? tracing.AddConsoleExporter() : tracing.AddOtlpExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddOutboxInstrumentation();
                _ = exporter == TelemetryExporter.Console ? metrics.AddConsoleExporter() : metrics.AddOtlpExporter();
            });
        return services;
    }
}
