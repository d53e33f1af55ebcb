using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Concert.Infrastructure.Observability;

/// <summary>Writes a health report as JSON with each check's status, description and data (the outbox's backlog figures), not just "Healthy".</summary>
internal static class HealthReportJsonWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            duration_ms = report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data, error = e.Value.Exception?.Message }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }
}
