namespace Outbox;

/// <summary>What the broker said about one message.</summary>
public enum OutboxSendStatus
{
    /// <summary>The broker acknowledged the message: it becomes <see cref="OutboxStatus.Complete"/>.</summary>
    Delivered,

    /// <summary>A transient failure: the message is retried after a backoff.</summary>
    Failed,

    /// <summary>
    /// The broker acknowledged the message, but its completion is confirmed elsewhere (for
    /// example a confirmation consumer group that reads the topic). The message stays
    /// <see cref="OutboxStatus.Publish"/> under its lease; if no confirmation arrives before the
    /// lease expires, it is sent again.
    /// </summary>
    Sent,

    /// <summary>A permanent failure (for example too large or an invalid topic): the message becomes <see cref="OutboxStatus.Dead"/> at once.</summary>
    Rejected,
}
