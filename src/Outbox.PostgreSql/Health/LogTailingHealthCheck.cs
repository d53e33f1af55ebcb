using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Outbox.PostgreSql.Relay;

namespace Outbox.PostgreSql.Health;

/// <summary>
/// The log-tailing relay's health: the failure status while it has failed to stream for longer
/// than a minute (set-up missing, database away); Degraded while the slot holds back more write-ahead
/// log than <see cref="PostgreSqlLogTailingOptions.MaxHealthyLagBytes"/> (the broker is away, or no
/// instance reads it); Healthy otherwise, streaming or standing by for another instance. The role,
/// the lag and whether the slot is read are in the data.
/// </summary>
internal sealed class LogTailingHealthCheck(LogTailingState state, IOptions<PostgreSqlLogTailingOptions> options, TimeProvider timeProvider) : IHealthCheck
{
    private static readonly TimeSpan MaxFailureDuration = TimeSpan.FromMinutes(1);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var data = new Dictionary<string, object>
        {
            ["role"] = state.Role.ToString(),
            ["slot"] = options.Value.SlotName,
            ["slot_active"] = state.SlotActive,
        };
        if (state.LagBytes is { } lag)
        {
            data["slot_lag_bytes"] = lag;
        }

        if (state.Role == LogTailingRole.Failing && timeProvider.GetUtcNow() - state.Since > MaxFailureDuration)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, $"The log-tailing relay has not streamed since {state.Since:O}: {state.LastFailure?.Message}", state.LastFailure, data));
        }

        if (state.LagBytes > options.Value.MaxHealthyLagBytes)
        {
            return Task.FromResult(HealthCheckResult.Degraded($"Replication slot {options.Value.SlotName} holds back {state.LagBytes} bytes of write-ahead log (more than {options.Value.MaxHealthyLagBytes}): the broker is failing or no instance streams. A slot nobody reads keeps the log without bound.", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy($"The log-tailing relay is {state.Role}.", data));
    }
}
