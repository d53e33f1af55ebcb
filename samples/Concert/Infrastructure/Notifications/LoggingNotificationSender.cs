using System.Collections.Concurrent;

namespace Concert.Infrastructure.Notifications;

/// <summary>The default sender when no Slack webhook is configured: writes to the log and keeps what it sent (<see cref="Sent"/>).</summary>
internal sealed partial class LoggingNotificationSender(ILogger<LoggingNotificationSender> logger) : INotificationSender
{
    private readonly ConcurrentQueue<Notification> sent = new();

    /// <summary>Gets everything sent so far, oldest first.</summary>
    public IReadOnlyCollection<Notification> Sent => sent;

    public Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        sent.Enqueue(notification);
        LogNotification(logger, notification.Text);
        return Task.CompletedTask;
    }

    [LoggerMessage(LogLevel.Information, "Notification: {Text}")]
    private static partial void LogNotification(ILogger logger, string text);
}
