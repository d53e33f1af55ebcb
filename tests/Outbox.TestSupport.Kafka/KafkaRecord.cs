namespace Outbox.TestSupport.Kafka;

/// <summary>One message read back from Kafka.</summary>
/// <param name="Key">The key, decoded as UTF-8, or <see langword="null"/>.</param>
/// <param name="Value">The value bytes.</param>
/// <param name="Headers">The headers decoded as UTF-8 (the last value wins for a repeated name).</param>
/// <param name="Partition">The partition it was read from.</param>
/// <param name="Offset">Its offset in that partition.</param>
public sealed record KafkaRecord(string? Key, byte[] Value, IReadOnlyDictionary<string, string> Headers, int Partition, long Offset);
