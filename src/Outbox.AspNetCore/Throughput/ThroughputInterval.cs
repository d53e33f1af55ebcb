namespace Outbox.AspNetCore.Throughput;

/// <summary>The relay's counts in one interval of the throughput chart.</summary>
/// <param name="Start">When the interval starts (UTC).</param>
/// <param name="Delivered">Messages the broker acknowledged.</param>
/// <param name="Failed">Sends that failed and will be retried.</param>
/// <param name="Dead">Messages given up on.</param>
internal sealed record ThroughputInterval(DateTimeOffset Start, long Delivered, long Failed, long Dead);
