using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Outbox;
using Outbox.Diagnostics;
using Outbox.Health;
using Outbox.Relay;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the outbox health check to ASP.NET Core / Microsoft.Extensions health checks.</summary>
public static class OutboxHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds the outbox health check: the failure status (Unhealthy by default) when the relay loop
    /// of a process that relays is not running or its passes have failed for longer than
    /// <see cref="OutboxHealthCheckOptions.MaxRelayFailureDuration"/>; Degraded when the oldest
    /// unfinished message is older than <see cref="OutboxHealthCheckOptions.MaxOldestUnfinishedAge"/>
    /// or there are more DEAD messages than <see cref="OutboxHealthCheckOptions.MaxDeadMessages"/>;
    /// the figures (<c>relay</c>, <c>init</c>, <c>publish</c>, <c>dead</c>,
    /// <c>oldest_unfinished_age_seconds</c>, …) in the result's data. It reads the backlog figures
    /// the gauges share, at most once per <see cref="OutboxOptions.BacklogRefreshInterval"/>.
    /// Tagged <c>outbox</c>, <c>live</c> and <c>ready</c> unless <paramref name="tags"/> is given:
    /// map a liveness endpoint to the <c>live</c> tag and a readiness endpoint to <c>ready</c>
    /// (Degraded answers 200 there by default; the failure status answers 503). Needs <c>AddOutbox</c>.
    /// </summary>
    /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
    /// <param name="configure">Sets the thresholds; validated when the host starts.</param>
    /// <param name="name">The check's name, also the name of its <see cref="OutboxHealthCheckOptions"/>.</param>
    /// <param name="failureStatus">What a relay that does not run reports; <see langword="null"/> for <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">The check's tags; <see langword="null"/> for <c>outbox</c>, <c>live</c> and <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    public static IHealthChecksBuilder AddOutboxHealthCheck(
        this IHealthChecksBuilder builder,
        Action<OutboxHealthCheckOptions>? configure = null,
        string name = "outbox",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        OptionsBuilder<OutboxHealthCheckOptions> options = builder.Services.AddOptions<OutboxHealthCheckOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxHealthCheckOptions>, OutboxHealthCheckOptionsValidator>());
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new OutboxHealthCheck(
                sp.GetRequiredService<RelayHealth>(),
                sp.GetRequiredService<OutboxBacklogMonitor>(),
                sp.GetRequiredService<IOptions<OutboxOptions>>(),
                sp.GetRequiredService<IOptionsMonitor<OutboxHealthCheckOptions>>()),
            failureStatus,
            tags ?? ["outbox", "live", "ready"]));
    }
}
