using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Outbox.Diagnostics;

/// <summary>
/// The backlog gauges on <c>Outbox.Core</c>'s meter: <c>outbox.messages.count</c> by status (INIT,
/// PUBLISH, DEAD) and <c>outbox.messages.oldest_unfinished.age</c> (seconds, 0 when nothing
/// waits), as of the last backlog read (<see cref="OutboxBacklogMonitor"/>: at most one store query
/// per refresh interval, started by a scrape that finds the figures stale; the first scrape has
/// none yet). A hosted service only so that the host creates the gauges at start, relay or not.
/// </summary>
internal sealed class OutboxBacklogGauges : IHostedService
{
    public OutboxBacklogGauges(OutboxMetrics metrics, OutboxBacklogMonitor monitor, IOptions<OutboxOptions> options)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(options);
        var relay = new KeyValuePair<string, object?>(OutboxTelemetryNames.RelayName, options.Value.RelayName);
        metrics.Meter.CreateObservableGauge<long>(
            OutboxTelemetryNames.MessageCount,
            IEnumerable<Measurement<long>> () => monitor.Observe()?.Backlog is { } backlog
                ? [Count(backlog.Init, "init"), Count(backlog.Publish, "publish"), Count(backlog.Dead, "dead")]
                : [],
            "{message}",
            "Messages in the outbox table by status (INIT, PUBLISH, DEAD), as of the last backlog read.");
        metrics.Meter.CreateObservableGauge<double>(
            OutboxTelemetryNames.OldestUnfinishedAge,
            IEnumerable<Measurement<double>> () => monitor.Observe()?.Backlog is { } backlog
                ? [new Measurement<double>((backlog.OldestUnfinishedAge ?? TimeSpan.Zero).TotalSeconds, relay)]
                : [],
            "s",
            "Age of the oldest INIT or PUBLISH message on the database's clock (0 when none), as of the last backlog read.");

        Measurement<long> Count(long value, string status) => new(value, relay, new KeyValuePair<string, object?>(OutboxTelemetryNames.Status, status));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
