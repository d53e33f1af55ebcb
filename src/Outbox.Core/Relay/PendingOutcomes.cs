using Outbox.Storage;

namespace Outbox.Relay;

/// <summary>
/// Outcomes a relay loop has not recorded yet, each with when it was made: recorded with the
/// loop's next claim, or dropped when the database refuses it or it is older than the lease could
/// make useful (its message is then claimed again after its lease and sent again).
/// </summary>
internal sealed class PendingOutcomes
{
    private readonly List<(OutboxOutcome Outcome, long Timestamp)> items = [];

    public int Count => items.Count;

    public OutboxOutcome[] ToArray() => items.Select(i => i.Outcome).ToArray();

    public void AddRange(IEnumerable<OutboxOutcome> outcomes, long timestamp) =>
        items.AddRange(outcomes.Select(o => (o, timestamp)));

    public void Clear() => items.Clear();

    public void Remove(Guid messageId) => items.RemoveAll(i => i.Outcome.MessageId == messageId);

    /// <summary>Drops the outcomes made more than <paramref name="age"/> before <paramref name="now"/>.</summary>
    /// <returns>How many were dropped.</returns>
    public int DropOlderThan(long now, TimeSpan age, TimeProvider timeProvider) =>
        items.RemoveAll(i => timeProvider.GetElapsedTime(i.Timestamp, now) > age);
}
