namespace Outbox;

/// <summary>Message counts by status and the backlog's age.</summary>
/// <param name="Init">Messages waiting to be sent.</param>
/// <param name="Publish">Messages claimed and being sent.</param>
/// <param name="Complete">Messages the broker confirmed (not yet deleted by retention).</param>
/// <param name="Dead">Messages given up on.</param>
/// <param name="OldestUnfinishedCreatedAt">When the oldest <see cref="OutboxStatus.Init"/> or <see cref="OutboxStatus.Publish"/> message was written, or <see langword="null"/> when there is none.</param>
public sealed record OutboxSummary(long Init, long Publish, long Complete, long Dead, DateTimeOffset? OldestUnfinishedCreatedAt);
