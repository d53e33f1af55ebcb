namespace Concert.Infrastructure.Notifications;

/// <summary>Sends a notification to people (a Slack channel, or the log).</summary>
internal interface INotificationSender
{
    Task SendAsync(Notification notification, CancellationToken cancellationToken);
}
