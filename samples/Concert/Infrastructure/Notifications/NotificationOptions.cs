namespace Concert.Infrastructure.Notifications;

/// <summary>Where notifications go, bound from the <c>Notifications</c> section.</summary>
internal sealed class NotificationOptions
{
    public const string SectionName = "Notifications";

    /// <summary>Gets or sets a Slack incoming webhook URL (a string, so an empty value in appsettings means "not set").</summary>
    /// <value>The default is <see langword="null"/>: notifications are written to the log.</value>
    public string? SlackWebhookUrl { get; set; }

    /// <summary>Gets the webhook as an absolute URI, or <see langword="null"/> when none is configured.</summary>
    /// <exception cref="InvalidOperationException">The value is set but is not an absolute URL.</exception>
    public Uri? SlackWebhook =>
        string.IsNullOrWhiteSpace(SlackWebhookUrl) ? null
        : Uri.TryCreate(SlackWebhookUrl, UriKind.Absolute, out Uri? uri) ? uri
        : throw new InvalidOperationException($"Notifications:SlackWebhookUrl '{SlackWebhookUrl}' is not an absolute URL.");
}
