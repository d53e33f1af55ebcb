namespace Outbox;

/// <summary>What the broker said about one message.</summary>
public enum OutboxSendStatus
{
    /// <summary>The broker acknowledged the message: it becomes <see cref="OutboxStatus.Complete"/>.</summary>
    Delivered,

    /// <summary>A transient failure: the message is retried after a backoff.</summary>
    Failed,

    /// <summary>A permanent failure (for example too large or an invalid topic): the message becomes <see cref="OutboxStatus.Dead"/> at once.</summary>
    Rejected,
}
