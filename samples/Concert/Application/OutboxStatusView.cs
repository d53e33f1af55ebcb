namespace Concert.Application;

/// <summary>The outbox backlog as the API shows it: counts by status and how long the oldest unfinished message has waited.</summary>
internal sealed record OutboxStatusView(long Init, long Publish, long Complete, long Dead, DateTimeOffset? OldestPendingCreatedAt, TimeSpan? OldestPendingAge);
