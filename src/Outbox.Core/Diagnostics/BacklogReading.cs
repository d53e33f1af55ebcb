namespace Outbox.Diagnostics;

/// <summary>One read of the backlog: the figures, or why they could not be read, and when (on the monotonic clock).</summary>
/// <param name="Backlog">The figures, or <see langword="null"/> when the read failed.</param>
/// <param name="Error">Why the read failed, or <see langword="null"/>.</param>
/// <param name="ReadAt">When it was read (<see cref="TimeProvider.GetTimestamp"/>).</param>
internal sealed record BacklogReading(OutboxBacklog? Backlog, Exception? Error, long ReadAt);
