namespace Outbox.Kafka.Diagnostics;

/// <summary>Instrument, attribute and value names (OpenTelemetry messaging conventions, plus the outbox's own <c>outbox.*</c>).</summary>
internal static class KafkaTelemetryNames
{
    public const string OperationDuration = "messaging.client.operation.duration";
    public const string SentMessages = "messaging.client.sent.messages";

    public const string System = "messaging.system";
    public const string OperationName = "messaging.operation.name";
    public const string OperationType = "messaging.operation.type";
    public const string DestinationName = "messaging.destination.name";
    public const string MessageId = "messaging.message.id";
    public const string BatchMessageCount = "messaging.batch.message_count";
    public const string ErrorType = "error.type";
    public const string RelayName = "outbox.relay.name";
    public const string Outcome = "outbox.outcome";

    public const string Kafka = "kafka";
    public const string Send = "send";

    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string Rejected = "rejected";
    public const string NotSent = "not_sent";

    /// <summary>A batch whose messages had different outcomes.</summary>
    public const string Partial = "partial";
}
