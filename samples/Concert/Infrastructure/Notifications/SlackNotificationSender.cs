using Microsoft.Extensions.Options;

namespace Concert.Infrastructure.Notifications;

/// <summary>Posts notifications to a Slack incoming webhook (<c>Notifications:SlackWebhookUrl</c>).</summary>
internal sealed class SlackNotificationSender(HttpClient http, IOptions<NotificationOptions> options) : INotificationSender
{
    public async Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        Uri webhook = options.Value.SlackWebhook
            ?? throw new InvalidOperationException("Notifications:SlackWebhookUrl is not set.");

        // A non-2xx answer throws, so the consumer retries instead of committing the offset.
        using HttpResponseMessage response = await http.PostAsJsonAsync(webhook, new { text = notification.Text }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
