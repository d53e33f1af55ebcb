using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Outbox;

/// <summary>
/// Validates event input and builds <see cref="OutboxMessage"/> rows in status
/// <see cref="OutboxStatus.Init"/>. Stores use it to implement <see cref="IOutbox"/>; every
/// check throws at the call that staged the bad input, before anything is added.
/// </summary>
public sealed class OutboxMessageFactory
{
    /// <summary>The Kafka limit on topic name length.</summary>
    public const int MaxTopicLength = 249;

    private readonly OutboxOptions options;
    private readonly TimeProvider timeProvider;

    /// <summary>Initializes a new instance of the <see cref="OutboxMessageFactory"/> class.</summary>
    /// <param name="options">The outbox options.</param>
    /// <param name="timeProvider">The clock for <see cref="OutboxMessage.CreatedAt"/>.</param>
    public OutboxMessageFactory(IOptions<OutboxOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        this.options = options.Value;
        this.timeProvider = timeProvider;
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

        ValidateTopic(topic);
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

        ValidateTopic(topic);
        return Build(topic, key, payload, type, headers);
    }

    private OutboxMessage Build(string topic, string? key, byte[] payload, string? type, IReadOnlyDictionary<string, string>? headers)
    {
        if (payload.Length > options.MaxPayloadBytes)
        {
            throw new ArgumentException(
                $"The payload is {payload.Length} bytes, over OutboxOptions.MaxPayloadBytes ({options.MaxPayloadBytes}). Send a smaller event (for example a reference to the data) or raise the limit, and the broker's message.max.bytes with it.",
                nameof(payload));
        }

        string? headersJson = SerializeHeaders(headers);
        DateTimeOffset now = timeProvider.GetUtcNow();
        return new OutboxMessage
        {
            Id = OutboxMessageId.NewId(now),
            Topic = topic,
            Key = key,
            Type = type,
            Payload = payload,
            Headers = headersJson,
            Status = OutboxStatus.Init,
            CreatedAt = now,
            NextAttemptAt = now,
        };
    }

    private static string? SerializeHeaders(IReadOnlyDictionary<string, string>? headers)
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

        return all is null ? null : JsonSerializer.Serialize(all, OutboxJsonContext.Default.DictionaryStringString);
    }

    /// <summary>Checks a topic name against Kafka's rules.</summary>
    /// <param name="topic">The topic name.</param>
    /// <exception cref="ArgumentException">The name is empty, too long, <c>.</c> or <c>..</c>, or has an illegal character.</exception>
    public static void ValidateTopic(string topic)
    {
        if (string.IsNullOrEmpty(topic))
        {
            throw new ArgumentException("The topic is empty. Pass the name of the topic to publish to.", nameof(topic));
        }

        if (topic.Length > MaxTopicLength || topic is "." or "..")
        {
            throw new ArgumentException($"The topic '{Truncate(topic)}' is not a legal Kafka topic name: use 1 to {MaxTopicLength} characters, not '.' or '..'.", nameof(topic));
        }

        foreach (char c in topic)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw new ArgumentException($"The topic '{Truncate(topic)}' has the character '{c}', which Kafka does not allow. Use only a-z, A-Z, 0-9, '.', '_' and '-'.", nameof(topic));
            }
        }
    }

    private static string Truncate(string value) => value.Length <= 60 ? value : value[..60] + "…";
}
