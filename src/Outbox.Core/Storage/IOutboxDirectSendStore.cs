namespace Outbox.Storage;

/// <summary>
/// What direct sends (<see cref="IOutboxDirectSend"/>) need of a store, besides
/// <see cref="IOutboxRelayStore"/>: admit the messages this process owns from their insert, in
/// their keys' order, and read the database's clock their leases are written on. Optional: a store
/// registers it when its writes can produce owned messages (the EF Core store does); without it,
/// every message goes through the claims.
/// </summary>
public interface IOutboxDirectSendStore
{
    /// <summary>
    /// Records outcomes, then decides which messages the relay owns from their insert (direct
    /// sends, see <see cref="IOutboxDirectSend"/>) may be sent now, keeping their keys' order: a
    /// message may go only when no other unfinished message of its key has a lower position or was
    /// claimed before, and none is in flight; the others go back to <see cref="OutboxStatus.Init"/>,
    /// due at once, to be claimed in order.
    /// Nothing is written for the messages that may go. Serialized with claims, like a claim.
    /// </summary>
    /// <param name="outcomes">The outcomes to record first (of earlier direct sends), possibly none.</param>
    /// <param name="claim">The owned messages to decide on, possibly none.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many outcomes were applied, the messages to send now, and those given back.</returns>
    Task<OutboxOwnedClaimResult> RecordOutcomesAndClaimOwnedAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxOwnedClaim claim, CancellationToken cancellationToken = default);

    /// <summary>Gets the database's current time: the clock every lease, due time and position is counted on. Direct sends write leases on it.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The database's now.</returns>
    Task<DateTimeOffset> GetDatabaseTimeAsync(CancellationToken cancellationToken = default);
}
