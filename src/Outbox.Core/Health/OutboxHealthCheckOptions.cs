using System.ComponentModel.DataAnnotations;

namespace Outbox.Health;

/// <summary>
/// Thresholds of the outbox health check (<c>AddOutboxHealthCheck</c>). Validated, by their data
/// annotations, when the host starts. The check reads the same cached backlog figures as the gauges
/// (<see cref="OutboxOptions.BacklogRefreshInterval"/>), so probing it every few seconds is cheap.
/// </summary>
public sealed class OutboxHealthCheckOptions
{
    /// <summary>
    /// Gets or sets how long the relay's passes may keep failing (the database unreachable, …)
    /// before the check reports the failure status (Unhealthy unless the registration says
    /// otherwise). 1 second to 1 day.
    /// </summary>
    /// <value>The default value is 1 minute.</value>
    [OptionRange(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "{0} is {3}. Set 1 second to 1 day (the default is 1 minute).")]
    public TimeSpan MaxRelayFailureDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets the age of the oldest INIT or PUBLISH message above which the check reports
    /// Degraded (a broker outage, a relay too slow for the load). 1 second to 30 days.
    /// </summary>
    /// <value>The default value is 5 minutes.</value>
    [OptionRange(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "{0} is {3}. Set 1 second to 30 days (the default is 5 minutes).")]
    public TimeSpan MaxOldestUnfinishedAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets the most DEAD messages that still count as healthy; more report Degraded until
    /// an operator requeues them (<see cref="IOutboxAdmin.RequeueAsync"/>) or retention deletes them.
    /// At least 0.
    /// </summary>
    /// <value>The default value is 0: any DEAD message degrades the check.</value>
    [OptionRange(0, double.MaxValue, ErrorMessage = "{0} is {3}. Set 0 (any DEAD message degrades the check, the default) or more.")]
    public long MaxDeadMessages { get; set; }
}
