using System.ComponentModel.DataAnnotations;
using Outbox.AspNetCore.Throughput;

namespace Outbox.AspNetCore;

/// <summary>Options of the dashboard mapped by <c>MapOutboxDashboard</c>, checked there (each option's range by its data annotations).</summary>
public sealed class OutboxDashboardOptions
{
    /// <summary>Gets or sets how many payload bytes the message view shows; the rest is cut (the page says so).</summary>
    /// <value>The default value is 4096 (4 KB). Allowed: 0 to 1,048,576.</value>
    [OptionRange(0, 1_048_576, ErrorMessage = "{0} is {3}; allowed: 0 to 1,048,576 (the default is 4096).")]
    public int PayloadPreviewBytes { get; set; } = 4096;

    /// <summary>Gets or sets how often the page asks for fresh figures.</summary>
    /// <value>The default value is 5 seconds. Allowed: 500 milliseconds to 10 minutes.</value>
    [OptionRange(typeof(TimeSpan), "00:00:00.5", "00:10:00", ErrorMessage = "{0} is {3}; allowed: 500 milliseconds to 10 minutes (the default is 5 seconds).")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the width of one bar of the throughput chart.</summary>
    /// <value>The default value is 10 seconds. Allowed: 1 second to 1 hour.</value>
    [OptionRange(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "{0} is {3}; allowed: 1 second to 1 hour (the default is 10 seconds).")]
    public TimeSpan ThroughputInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how far back the throughput chart goes (a whole number of <see cref="ThroughputInterval"/>s, at most 1,000 of them).</summary>
    /// <value>The default value is 10 minutes.</value>
    public TimeSpan ThroughputHistory { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets whether the page offers the requeue action and the requeue endpoint is mapped.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool AllowRequeue { get; set; } = true;
}
