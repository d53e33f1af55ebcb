namespace Outbox.Kafka;

/// <summary>How a sent message becomes <see cref="OutboxStatus.Complete"/>.</summary>
public enum KafkaConfirmationMode
{
    /// <summary>The producer's delivery report (the broker's <c>acks=all</c> acknowledgement) completes the message. The default.</summary>
    DeliveryReport,

    /// <summary>
    /// A dedicated consumer group reads the topics back and completes each message it sees (the
    /// "confirmation consumer"). A message stays <see cref="OutboxStatus.Publish"/> until then,
    /// and is sent again if no confirmation arrives before its lease expires.
    /// </summary>
    Consumer,
}
