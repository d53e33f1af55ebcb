namespace Outbox;

/// <summary>
/// What waits in the outbox, read cheaply enough to be asked every few seconds (metrics, health
/// probes): the unfinished and dead counts and the age of the oldest unfinished message, never the
/// completed rows.
/// </summary>
/// <param name="Init">Messages waiting to be sent.</param>
/// <param name="Publish">Messages claimed and being sent.</param>
/// <param name="Dead">Messages given up on.</param>
/// <param name="OldestUnfinishedAge">How long ago, on the database's clock, the oldest <see cref="OutboxStatus.Init"/> or <see cref="OutboxStatus.Publish"/> message was written, or <see langword="null"/> when there is none.</param>
public sealed record OutboxBacklog(long Init, long Publish, long Dead, TimeSpan? OldestUnfinishedAge);
