using System.Text;
using Confluent.Kafka;

namespace Outbox.Kafka;

/// <summary>Reads the <c>outbox-message-id</c> header the transport writes on every record.</summary>
internal static class KafkaMessageIdHeader
{
    /// <summary>Gets the record's message id, or <see langword="null"/> when the header is missing, not a UUID, or empty.</summary>
    public static Guid? Read(Headers? headers) =>
        headers is not null
        && headers.TryGetLastBytes(OutboxHeaderNames.MessageId, out byte[] bytes)
        && Guid.TryParse(Encoding.UTF8.GetString(bytes), out Guid id)
        && id != Guid.Empty
            ? id
            : null;
}
