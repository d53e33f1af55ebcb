using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Outbox.Diagnostics;
using Outbox.Relay;

namespace Outbox.Health;

/// <summary>
/// The outbox's health: the registration's failure status (Unhealthy by default) when this
/// process should relay but its relay loops do not run, or their passes have failed for longer
/// than <see cref="OutboxHealthCheckOptions.MaxRelayFailureDuration"/>; Degraded when the oldest
/// unfinished message is older than <see cref="OutboxHealthCheckOptions.MaxOldestUnfinishedAge"/>,
/// DEAD messages exceed <see cref="OutboxHealthCheckOptions.MaxDeadMessages"/> or the backlog
/// could not be read; Healthy otherwise. The figures are in the result's data.
/// </summary>
internal sealed class OutboxHealthCheck(RelayHealth relay, OutboxBacklogMonitor backlog, IOptions<OutboxOptions> outboxOptions, IOptionsMonitor<OutboxHealthCheckOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        OutboxHealthCheckOptions thresholds = options.Get(context.Registration.Name);
        bool relayEnabled = outboxOptions.Value.EnableRelay;
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [OutboxHealthData.Relay] = !relayEnabled ? "disabled" : relay.IsRunning ? "running" : "stopped",
        };
        TimeSpan? failingFor = relay.FailingFor;
        if (relayEnabled && failingFor is { } failing && relay.LastError is { } relayError)
        {
            data[OutboxHealthData.RelayFailingForSeconds] = Seconds(failing);
            data[OutboxHealthData.RelayError] = relayError;
        }

        BacklogReading reading = await backlog.GetAsync(cancellationToken).ConfigureAwait(false);
        if (reading.Backlog is { } figures)
        {
            data[OutboxHealthData.Init] = figures.Init;
            data[OutboxHealthData.Publish] = figures.Publish;
            data[OutboxHealthData.Dead] = figures.Dead;
            data[OutboxHealthData.OldestUnfinishedAgeSeconds] = Seconds(figures.OldestUnfinishedAge ?? TimeSpan.Zero);
        }
        else
        {
            data[OutboxHealthData.BacklogError] = reading.Error?.Message ?? "unknown";
        }

        if (relayEnabled && !relay.IsRunning)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The outbox relay is not running: nothing sends the outbox's messages from this process.", data: data);
        }

        if (relayEnabled && failingFor > thresholds.MaxRelayFailureDuration)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The outbox relay's passes have failed for {Round(failingFor.Value)} (more than {thresholds.MaxRelayFailureDuration}): {relay.LastError}", data: data);
        }

        var degraded = new List<string>();
        if (reading.Backlog is { } backlogFigures)
        {
            if (backlogFigures.OldestUnfinishedAge > thresholds.MaxOldestUnfinishedAge)
            {
                degraded.Add($"the oldest unfinished message was written {Round(backlogFigures.OldestUnfinishedAge.Value)} ago (more than {thresholds.MaxOldestUnfinishedAge})");
            }

            if (backlogFigures.Dead > thresholds.MaxDeadMessages)
            {
                degraded.Add($"{backlogFigures.Dead} DEAD messages (more than {thresholds.MaxDeadMessages}): list them with IOutboxAdmin.ListDeadAsync and requeue them once the cause is fixed");
            }
        }
        else
        {
            degraded.Add($"the backlog could not be read: {reading.Error?.Message}");
        }

        return degraded.Count > 0
            ? HealthCheckResult.Degraded("The outbox is degraded: " + string.Join("; ", degraded) + ".", reading.Error, data)
            : HealthCheckResult.Healthy(relayEnabled ? "The outbox relay is running and the backlog is within its thresholds." : "The backlog is within its thresholds (this process does not relay).", data);
    }

    private static double Seconds(TimeSpan value) => Math.Round(value.TotalSeconds, 3);

    private static TimeSpan Round(TimeSpan value) => TimeSpan.FromSeconds(Math.Round(value.TotalSeconds));
}
