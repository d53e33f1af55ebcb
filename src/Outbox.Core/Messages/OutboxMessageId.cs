using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Outbox.Messages;

/// <summary>
/// Makes time-ordered message ids: UUID version 7 whose 12 "rand_a" bits are a counter, so ids
/// made in the same millisecond by this process still sort in the order they were made
/// (<see cref="Guid.CreateVersion7()"/> is random there, which would reorder a key's messages).
/// </summary>
internal static class OutboxMessageId
{
    private static readonly Lock Gate = new();
    private static long lastMilliseconds;
    private static int counter;

    public static Guid NewId(DateTimeOffset now)
    {
        long milliseconds = now.ToUnixTimeMilliseconds();
        int sequence;
        lock (Gate)
        {
            if (milliseconds <= lastMilliseconds)
            {
                // Same (or a backwards) clock tick: keep the last timestamp and count up.
                milliseconds = lastMilliseconds;
                if (++counter > 0xFFF)
                {
                    milliseconds = ++lastMilliseconds;
                    counter = 0;
                }
            }
            else
            {
                lastMilliseconds = milliseconds;
                counter = 0;
            }

            sequence = counter;
        }

        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes[8..]);
        BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16);      // 48-bit timestamp, then 16 bits we overwrite
        BinaryPrimitives.WriteUInt16BigEndian(bytes[6..], (ushort)(0x7000 | sequence)); // version 7 + counter
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);                          // RFC 9562 variant
        return new Guid(bytes, bigEndian: true);
    }
}
