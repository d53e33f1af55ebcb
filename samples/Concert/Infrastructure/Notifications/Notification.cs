namespace Concert.Infrastructure.Notifications;

/// <summary>A message for the team's channel, and the outbox message id it came from.</summary>
internal sealed record Notification(string Text, Guid SourceMessageId);
