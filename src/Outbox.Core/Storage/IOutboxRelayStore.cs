namespace Outbox.Storage;

/// <summary>
/// What the relay needs of a store: claim due messages under a lease and record their send
/// outcomes. Every update is conditional on the expected current status (from
/// <see cref="OutboxStateMachine"/>) and, for claimed messages, on the lease owner, so a relay whose
/// lease expired cannot overwrite the newer owner's outcome. Order and time come from the
/// database: each message gets its position when it is inserted, and "now", due times and lease
/// ends are the database's clock, never a writer's or a relay's.
/// </summary>
public interface IOutboxRelayStore
{
    /// <summary>
    /// Claims up to <see cref="OutboxClaim.BatchSize"/> due messages: <see cref="OutboxStatus.Init"/>
    /// ones whose next attempt is due and <see cref="OutboxStatus.Publish"/> ones whose lease
    /// expired (a taken-over message counts one more attempt). Claimed messages move to
    /// <see cref="OutboxStatus.Publish"/> under the caller's lease. With
    /// <see cref="OutboxClaim.PreserveKeyOrder"/>, a message is claimed only when no other message of
    /// its key is <see cref="OutboxStatus.Publish"/> under a live lease and none with an earlier
    /// position is unfinished; claims are serialized across relays so two claims never pick two
    /// messages of one key.
    /// </summary>
    /// <param name="claim">What to claim.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The claimed messages in position order.</returns>
    Task<IReadOnlyList<OutboxMessage>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records send outcomes in one round trip. An outcome applies only while the message is still
    /// <see cref="OutboxStatus.Publish"/> under its <see cref="OutboxOutcome.LeaseOwner"/>.
    /// </summary>
    /// <param name="outcomes">The outcomes.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many outcomes were applied; fewer than given when another relay took a message over.</returns>
    Task<int> RecordOutcomesAsync(IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the previous batch's send outcomes, then claims the next batch, as
    /// <see cref="RecordOutcomesAsync"/> and <see cref="ClaimAsync"/> would. The claim sees the
    /// recorded outcomes, so a key whose message just completed has its next message claimable in
    /// the same call. A store that can do both in one round trip
    /// and one commit does (the EF Core store on PostgreSQL); another may run the two in turn. The hosted relay calls this
    /// between passes.
    /// </summary>
    /// <param name="outcomes">The outcomes to record first.</param>
    /// <param name="claim">What to claim next.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many outcomes were applied, and the claimed messages in position order.</returns>
    Task<(int Recorded, IReadOnlyList<OutboxMessage> Claimed)> RecordOutcomesAndClaimAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim claim, CancellationToken cancellationToken = default);
}
