namespace Outbox.Transport;

/// <summary>What the broker said about one message.</summary>
public enum OutboxSendStatus
{
    /// <summary>The broker acknowledged the message: it becomes <see cref="OutboxStatus.Complete"/>.</summary>
    Delivered,

    /// <summary>A failure the broker or the network may get over (timeouts, no leader, an unknown topic, no authorization yet): the message is retried after a backoff, up to <see cref="OutboxOptions.MaxAttempts"/>.</summary>
    Failed,

    /// <summary>
    /// The broker acknowledged the message, but its completion is confirmed elsewhere (for
    /// example a confirmation consumer group that reads the topic). The message stays
    /// <see cref="OutboxStatus.Publish"/> under its lease; if no confirmation arrives before the
    /// lease expires, it is sent again.
    /// </summary>
    Sent,

    /// <summary>A failure of the message itself (for example too large or an invalid record), which no retry can fix: the message becomes <see cref="OutboxStatus.Dead"/> at once.</summary>
    Rejected,

    /// <summary>Not sent: too little of the lease was left to send it safely, or the host is stopping. The message goes back, due at once, without counting an attempt.</summary>
    NotSent,
}
