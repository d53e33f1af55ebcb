namespace Outbox;

/// <summary>The header names the outbox writes on every message it sends.</summary>
public static class OutboxHeaderNames
{
    /// <summary>The stable message id (<see cref="OutboxMessage.Id"/>), for de-duplication by consumers.</summary>
    public const string MessageId = "outbox-message-id";

    /// <summary>The event type (<see cref="OutboxMessage.Type"/>), when there is one.</summary>
    public const string MessageType = "outbox-message-type";

    /// <summary>The W3C trace context of the transaction that wrote the message.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>The W3C trace state, when there is one.</summary>
    public const string TraceState = "tracestate";
}
