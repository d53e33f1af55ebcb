using Outbox.TestSupport.Kafka;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// What reached the topic, read back with a real Kafka consumer: every record up to the end
/// offsets, its message id header, compared with the ids the application committed.
/// </summary>
public sealed class DeliveryCount
{
    private DeliveryCount(IReadOnlyCollection<Guid> written, IReadOnlyList<KafkaRecord> records, long endOffsetSum, IReadOnlyDictionary<Guid, long>? positions)
    {
        Positions = positions ?? new Dictionary<Guid, long>();
        Records = records;
        EndOffsetSum = endOffsetSum;
        Ids = records.Select(IdOf).ToList();
        var distinct = Ids.ToHashSet();
        var committed = written.ToHashSet();
        Written = committed.Count;
        Delivered = committed.Count(distinct.Contains);
        Duplicates = Ids.Count - distinct.Count;
        Missing = committed.Where(id => !distinct.Contains(id)).ToList();
        Foreign = distinct.Where(id => !committed.Contains(id)).ToList();
    }

    /// <summary>Gets the records read, per partition in offset order.</summary>
    public IReadOnlyList<KafkaRecord> Records { get; }

    /// <summary>Gets the message id of every record read, in read order.</summary>
    public IReadOnlyList<Guid> Ids { get; }

    /// <summary>Gets the sum of the partitions' end offsets: every record the topic ever took.</summary>
    public long EndOffsetSum { get; }

    public int Written { get; }

    public int Delivered { get; }

    public int Lost => Written - Delivered;

    public int Duplicates { get; }

    /// <summary>Gets the committed ids never read (should be empty).</summary>
    public IReadOnlyList<Guid> Missing { get; }

    /// <summary>Gets the ids read that were never committed (rolled back or never written; should be empty).</summary>
    public IReadOnlyList<Guid> Foreign { get; }

    /// <summary>Gets each message's database position (its <c>seq</c>), when the scenario read them.</summary>
    public IReadOnlyDictionary<Guid, long> Positions { get; }

    /// <summary>
    /// Gets the keys whose committed messages first reached the topic out of their database
    /// position order. For writers that commit one after another per key (every scenario but the
    /// late-commit one) position order is commit order.
    /// </summary>
    public List<string> PositionOrderViolations =>
        KeyOrderViolations(Records
            .Where(r => Positions.ContainsKey(IdOf(r)))
            .GroupBy(r => r.Key ?? string.Empty)
            .ToDictionary(g => g.Key, g => g.Select(IdOf).Distinct().OrderBy(id => Positions[id]).ToList(), StringComparer.Ordinal));

    /// <summary>Reads the whole topic (up to its end offsets) and compares it with <paramref name="written"/>.</summary>
    public static async Task<DeliveryCount> ReadAsync(string bootstrapServers, string topic, IReadOnlyCollection<Guid> written, TimeSpan? timeout = null, IReadOnlyDictionary<Guid, long>? positions = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(60);
        long end = KafkaTopicReader.GetEndOffsetSum(bootstrapServers, topic, TimeSpan.FromSeconds(10));
        IReadOnlyList<KafkaRecord> records = end == 0
            ? []
            : await KafkaTopicReader.ReadAsync(bootstrapServers, topic, checked((int)end), limit);
        return new DeliveryCount(written, records, end, positions);
    }

    /// <summary>The message id header of a record.</summary>
    public static Guid IdOf(KafkaRecord record) => Guid.Parse(record.Headers[OutboxHeaderNames.MessageId]);

    /// <summary>
    /// Checks per-key order: for every key, the ids in <paramref name="committedOrder"/> must first
    /// appear on the topic in that order (a re-sent duplicate later on does not count as reordering).
    /// </summary>
    /// <returns>One line per key whose order differs; empty when every key kept its order.</returns>
    public List<string> KeyOrderViolations(IReadOnlyDictionary<string, List<Guid>> committedOrder)
    {
        var violations = new List<string>();
        Dictionary<string, List<Guid>> firstSeen = Records
            .GroupBy(r => r.Key ?? string.Empty)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Offset).Select(IdOf).Distinct().ToList(), StringComparer.Ordinal);
        foreach ((string key, List<Guid> expected) in committedOrder)
        {
            List<Guid> actual = firstSeen.GetValueOrDefault(key) ?? [];
            if (!actual.SequenceEqual(expected))
            {
                violations.Add($"key {key}: expected {expected.Count} in commit order, read {actual.Count} in another order");
            }
        }

        return violations;
    }
}
