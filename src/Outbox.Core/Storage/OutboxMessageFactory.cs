using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Outbox.Messages;
using Outbox.Transport;

namespace Outbox.Storage;

/// <summary>
/// Validates event input and builds <see cref="OutboxMessage"/> rows in status
/// <see cref="OutboxStatus.Init"/>. Stores use it to implement <see cref="IOutbox"/>; every
/// check throws at the call that staged the bad input, before anything is added, so whatever it
/// accepts the store can save and the transport can send.
/// </summary>
public sealed class OutboxMessageFactory
{
    /// <summary>The longest header name.</summary>
    public const int MaxHeaderNameLength = 256;

    // What a record costs beyond its key, value and headers, with room to spare (record and batch
    // framing, varints; librdkafka compares key + value + headers with message.max.bytes).
    private const int RecordOverheadBytes = 512;

    // The outbox's own headers: the message id (a UUID in its 36-character form) and, when present,
    // the type and the W3C trace context (traceparent is 55 characters).
    private const int MessageIdHeaderBytes = 17 + 36;

    private readonly OutboxOptions options;
    private readonly TimeProvider timeProvider;
    private readonly OutboxTransportLimits limits;

    /// <summary>Initializes a new instance of the <see cref="OutboxMessageFactory"/> class for a process without a transport (<see cref="OutboxTransportLimits.Default"/>).</summary>
    /// <param name="options">The outbox options.</param>
    /// <param name="timeProvider">The clock for the time part of message ids.</param>
    public OutboxMessageFactory(IOptions<OutboxOptions> options, TimeProvider timeProvider)
        : this(options, timeProvider, OutboxTransportLimits.Default)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OutboxMessageFactory"/> class.</summary>
    /// <param name="options">The outbox options.</param>
    /// <param name="timeProvider">The clock for the time part of message ids.</param>
    /// <param name="limits">What the transport can send: the largest record, the topics it takes and its rule for topic names.</param>
    public OutboxMessageFactory(IOptions<OutboxOptions> options, TimeProvider timeProvider, OutboxTransportLimits limits)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(limits);
        this.options = options.Value;
        this.timeProvider = timeProvider;
        this.limits = limits;
    }

    /// <summary>Builds a message with a JSON-serialized payload.</summary>
    /// <typeparam name="TPayload">The event type; its name is the message type.</typeparam>
    /// <param name="topic">The destination topic.</param>
    /// <param name="key">The key, or <see langword="null"/>.</param>
    /// <param name="payload">The event.</param>
    /// <param name="headers">Extra headers, or <see langword="null"/>.</param>
    /// <returns>A new message in status <see cref="OutboxStatus.Init"/>.</returns>
    /// <exception cref="ArgumentException">See <see cref="IOutbox.Add{TPayload}"/>.</exception>
    public OutboxMessage Create<TPayload>(string topic, string? key, TPayload payload, IReadOnlyDictionary<string, string>? headers = null)
    {
        if (payload is null)
        {
            throw new ArgumentNullException(nameof(payload), "The event payload is null. Pass the event object to publish.");
        }

        CheckTopic(topic);
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(payload, options.JsonSerializerOptions);
        return Build(topic, key, bytes, typeof(TPayload).Name, headers);
    }

    /// <summary>Builds a message from payload bytes.</summary>
    /// <param name="topic">The destination topic.</param>
    /// <param name="key">The key, or <see langword="null"/>.</param>
    /// <param name="payload">The payload bytes.</param>
    /// <param name="type">The type name, or <see langword="null"/>.</param>
    /// <param name="headers">Extra headers, or <see langword="null"/>.</param>
    /// <returns>A new message in status <see cref="OutboxStatus.Init"/>.</returns>
    /// <exception cref="ArgumentException">See <see cref="IOutbox.AddRaw"/>.</exception>
    public OutboxMessage CreateRaw(string topic, string? key, byte[] payload, string? type = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        if (payload is null)
        {
            throw new ArgumentNullException(nameof(payload), "The event payload is null. Pass the serialized bytes (an empty array for an empty payload).");
        }

        CheckTopic(topic);
        return Build(topic, key, payload, type, headers);
    }

    private OutboxMessage Build(string topic, string? key, byte[] payload, string? type, IReadOnlyDictionary<string, string>? headers)
    {
        CheckText(key, nameof(key), "key");
        CheckText(type, nameof(type), "type name");
        Dictionary<string, string>? all = CollectHeaders(headers);
        long size = payload.LongLength + ByteCount(key) + MessageIdHeaderBytes + (type is null ? 0 : 19 + ByteCount(type)) + RecordOverheadBytes;
        foreach ((string name, string value) in all ?? [])
        {
            size += ByteCount(name) + ByteCount(value) + 2;
        }

        if (size > limits.MaxRecordBytes)
        {
            throw new ArgumentException(
                $"The message would be a record of about {size} bytes (payload {payload.Length}, key, headers and framing), over the {limits.MaxRecordBytes} bytes the transport can send (for Kafka: the producer's message.max.bytes). Send a smaller event (for example a reference to the data), or raise message.max.bytes on the producer and the broker.",
                nameof(payload));
        }

        return new OutboxMessage
        {
            Id = OutboxMessageId.NewId(timeProvider.GetUtcNow()),
            Topic = topic,
            Key = key,
            Type = type,
            Payload = payload,
            Headers = all is null ? null : JsonSerializer.Serialize(all, OutboxJsonContext.Default.DictionaryStringString),
            Status = OutboxStatus.Init,
        };
    }

    private static Dictionary<string, string>? CollectHeaders(IReadOnlyDictionary<string, string>? headers)
    {
        Dictionary<string, string>? all = null;
        if (headers is not null)
        {
            foreach ((string name, string value) in headers)
            {
                if (string.IsNullOrWhiteSpace(name))
                {
                    throw new ArgumentException("A header name is empty. Give every header a non-empty name.", nameof(headers));
                }

                if (name is OutboxHeaderNames.MessageId or OutboxHeaderNames.MessageType)
                {
                    throw new ArgumentException($"The header name '{name}' is reserved: the outbox sets it on every message. Use another name.", nameof(headers));
                }

                if (name.Length > MaxHeaderNameLength)
                {
                    throw new ArgumentException($"A header name is {name.Length} characters; use at most {MaxHeaderNameLength}.", nameof(headers));
                }

                CheckText(name, nameof(headers), $"header name '{Truncate(name)}'");
                CheckText(value, nameof(headers), $"value of header '{Truncate(name)}'");
                all ??= new Dictionary<string, string>(StringComparer.Ordinal);
                all[name] = value ?? string.Empty;
            }
        }

        // Carry the writer's trace into the relay's send (W3C trace context).
        if (Activity.Current is { } activity && activity.IdFormat == ActivityIdFormat.W3C)
        {
            all ??= new Dictionary<string, string>(StringComparer.Ordinal);
            all.TryAdd(OutboxHeaderNames.TraceParent, activity.Id!);
            if (activity.TraceStateString is { Length: > 0 } state)
            {
                all.TryAdd(OutboxHeaderNames.TraceState, state);
            }
        }

        return all;
    }

    private void CheckTopic(string topic)
    {
        if (string.IsNullOrEmpty(topic))
        {
            throw new ArgumentException("The topic is empty. Pass the name of the topic to publish to.", nameof(topic));
        }

        if (limits.ValidateTopic?.Invoke(topic) is { } problem)
        {
            throw new ArgumentException($"The topic '{Truncate(topic)}' is not one the transport can send to: {problem}", nameof(topic));
        }

        if (limits.Topics is { } topics && !topics.Contains(topic))
        {
            throw new ArgumentException(
                $"The topic '{Truncate(topic)}' is not one the transport sends to ({string.Join(", ", topics.Order(StringComparer.Ordinal))}). In Kafka's Consumer confirmation mode, add it to OutboxKafkaOptions.ConfirmationTopics, so the confirmation consumer reads it back.",
                nameof(topic));
        }
    }

    private static void CheckText(string? value, string parameter, string what)
    {
        if (value is not null && OutboxText.FirstProblem(value) is { } problem)
        {
            throw new ArgumentException($"The {what} has {problem}; the database or Kafka cannot store it. Remove or replace the character.", parameter);
        }
    }

    private static long ByteCount(string? value) => value is null ? 0 : Encoding.UTF8.GetByteCount(value);

    private static string Truncate(string value) => value.Length <= 60 ? value : value[..60] + "…";
}
