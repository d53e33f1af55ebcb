using Outbox.Transport;

namespace Outbox;

/// <summary>
/// Stages events in the application's own unit of work. A staged message is saved by the same
/// <c>SaveChanges</c> (and commits or rolls back with the same transaction) as the business
/// change; nothing is sent before that commit. Resolve it from the same scope as the
/// <c>DbContext</c> it writes to.
/// </summary>
public interface IOutbox
{
    /// <summary>Stages a typed event, serialized as UTF-8 JSON with <see cref="OutboxOptions.JsonSerializerOptions"/>.</summary>
    /// <typeparam name="TPayload">The event type. Its name is the default <see cref="OutboxMessage.Type"/>.</typeparam>
    /// <param name="topic">The destination topic, a name the transport accepts (<see cref="OutboxTransportLimits.ValidateTopic"/>; Kafka: 1 to 249 characters of <c>a-z A-Z 0-9 . _ -</c>).</param>
    /// <param name="key">The partitioning key; messages with the same key keep their order. <see langword="null"/> for none; an empty string is a key like any other.</param>
    /// <param name="payload">The event. Must not be <see langword="null"/>.</param>
    /// <param name="headers">Extra headers, or <see langword="null"/>.</param>
    /// <returns>The staged message's identity (its <see cref="OutboxStagedMessage.Id"/> is the id consumers see).</returns>
    /// <exception cref="ArgumentException">The topic is empty, not a name the transport accepts, longer than the store holds, or not one the transport sends to; the payload is <see langword="null"/>; the record (key, headers and payload) is larger than the transport takes; the key, type or a header has a NUL or a lone surrogate, or is too long; a header name is empty or reserved (<see cref="OutboxHeaderNames.MessageId"/>, <see cref="OutboxHeaderNames.MessageType"/>). Nothing is staged.</exception>
    OutboxStagedMessage Add<TPayload>(string topic, string? key, TPayload payload, IReadOnlyDictionary<string, string>? headers = null);

    /// <summary>Stages an event whose payload is already serialized.</summary>
    /// <param name="topic">The destination topic, a name the transport accepts (<see cref="OutboxTransportLimits.ValidateTopic"/>; Kafka: 1 to 249 characters of <c>a-z A-Z 0-9 . _ -</c>).</param>
    /// <param name="key">The partitioning key; messages with the same key keep their order. <see langword="null"/> for none; an empty string is a key like any other.</param>
    /// <param name="payload">The payload bytes. Must not be <see langword="null"/>.</param>
    /// <param name="type">The event type name consumers dispatch on, or <see langword="null"/>.</param>
    /// <param name="headers">Extra headers, or <see langword="null"/>.</param>
    /// <returns>The staged message's identity.</returns>
    /// <exception cref="ArgumentException">The topic is empty, not a name the transport accepts, longer than the store holds, or not one the transport sends to; the payload is <see langword="null"/>; the record (key, headers and payload) is larger than the transport takes; the key, type or a header has a NUL or a lone surrogate, or is too long; a header name is empty or reserved (<see cref="OutboxHeaderNames.MessageId"/>, <see cref="OutboxHeaderNames.MessageType"/>). Nothing is staged.</exception>
    OutboxStagedMessage AddRaw(string topic, string? key, byte[] payload, string? type = null, IReadOnlyDictionary<string, string>? headers = null);
}
