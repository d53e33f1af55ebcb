using System.Buffers.Binary;
using System.Text;

namespace Outbox.PostgreSql.Staging;

/// <summary>
/// How one outbox message is written into a logical decoding message, and read back by the relay:
/// a version byte (1), the id (16 bytes, big-endian), then topic, key, type and headers as
/// length-prefixed UTF-8 (a length of -1 for none) and the payload as length-prefixed bytes.
/// Lengths are 32-bit big-endian. Binary, so the write costs little more than the payload.
/// </summary>
internal static class LogMessageFrame
{
    private const byte Version = 1;

    public static byte[] Encode(OutboxMessage message)
    {
        int size = 1 + 16 + Measure(message.Topic) + Measure(message.Key) + Measure(message.Type) + Measure(message.Headers) + 4 + message.Payload.Length;
        byte[] frame = new byte[size];
        Span<byte> span = frame;
        span[0] = Version;
        message.Id.TryWriteBytes(span.Slice(1, 16), bigEndian: true, out _);
        int at = 17;
        at = Write(span, at, message.Topic);
        at = Write(span, at, message.Key);
        at = Write(span, at, message.Type);
        at = Write(span, at, message.Headers);
        BinaryPrimitives.WriteInt32BigEndian(span[at..], message.Payload.Length);
        message.Payload.CopyTo(span[(at + 4)..]);
        return frame;
    }

    /// <summary>Reads a frame; <see langword="null"/> when it is not one this version wrote (then the caller logs and skips it).</summary>
    public static OutboxMessage? TryDecode(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 17 || frame[0] != Version)
        {
            return null;
        }

        var id = new Guid(frame.Slice(1, 16), bigEndian: true);
        int at = 17;
        if (!TryRead(frame, ref at, out string? topic) || topic is null
            || !TryRead(frame, ref at, out string? key)
            || !TryRead(frame, ref at, out string? type)
            || !TryRead(frame, ref at, out string? headers)
            || frame.Length - at < 4)
        {
            return null;
        }

        int length = BinaryPrimitives.ReadInt32BigEndian(frame[at..]);
        at += 4;
        if (length < 0 || frame.Length - at != length)
        {
            return null;
        }

        return new OutboxMessage
        {
            Id = id,
            Topic = topic,
            Key = key,
            Type = type,
            Headers = headers,
            Payload = frame[at..].ToArray(),
            Status = OutboxStatus.Publish,
        };
    }

    private static int Measure(string? text) => 4 + (text is null ? 0 : Encoding.UTF8.GetByteCount(text));

    private static int Write(Span<byte> span, int at, string? text)
    {
        if (text is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(span[at..], -1);
            return at + 4;
        }

        int written = Encoding.UTF8.GetBytes(text, span[(at + 4)..]);
        BinaryPrimitives.WriteInt32BigEndian(span[at..], written);
        return at + 4 + written;
    }

    private static bool TryRead(ReadOnlySpan<byte> frame, ref int at, out string? text)
    {
        text = null;
        if (frame.Length - at < 4)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadInt32BigEndian(frame[at..]);
        at += 4;
        if (length == -1)
        {
            return true;
        }

        if (length < 0 || frame.Length - at < length)
        {
            return false;
        }

        text = Encoding.UTF8.GetString(frame.Slice(at, length));
        at += length;
        return true;
    }
}
