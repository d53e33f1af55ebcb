using System.Text;
using System.Text.Json;
using Concert.Domain.Events;
using Confluent.Kafka;
using Outbox;

namespace Concert.Infrastructure.Kafka;

/// <summary>Reads the outbox headers (message id, type) and the JSON payload of a consumed message.</summary>
internal static class ConcertEventDecoder
{
    // The outbox serializes typed payloads with the web defaults (camelCase); read them the same way.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly Dictionary<string, Type> EventTypes = new(StringComparer.Ordinal)
    {
        [nameof(ReservationSucceeded)] = typeof(ReservationSucceeded),
        [nameof(PaymentCompleted)] = typeof(PaymentCompleted),
    };

    /// <summary>Decodes a message, or says why it cannot be.</summary>
    public static bool TryDecode(ConsumeResult<string?, byte[]> result, out ReceivedEvent? received, out string? problem)
    {
        received = null;
        Headers? headers = result.Message.Headers;
        if (!TryGetHeader(headers, OutboxHeaderNames.MessageId, out string? id) || !Guid.TryParse(id, out Guid messageId))
        {
            problem = $"no valid {OutboxHeaderNames.MessageId} header";
            return false;
        }

        if (!TryGetHeader(headers, OutboxHeaderNames.MessageType, out string? typeName) || !EventTypes.TryGetValue(typeName!, out Type? type))
        {
            problem = $"unknown {OutboxHeaderNames.MessageType} '{typeName}'";
            return false;
        }

        object? @event;
        try
        {
            @event = JsonSerializer.Deserialize(result.Message.Value, type, Json);
        }
        catch (JsonException ex)
        {
            problem = $"the {typeName} payload is not valid JSON: {ex.Message}";
            return false;
        }

        if (@event is null)
        {
            problem = $"the {typeName} payload is null";
            return false;
        }

        received = new ReceivedEvent(messageId, @event, result.Topic, result.Partition.Value, result.Offset.Value);
        problem = null;
        return true;
    }

    private static bool TryGetHeader(Headers? headers, string name, out string? value)
    {
        value = null;
        if (headers is null || !headers.TryGetLastBytes(name, out byte[] bytes))
        {
            return false;
        }

        value = Encoding.UTF8.GetString(bytes);
        return true;
    }
}
