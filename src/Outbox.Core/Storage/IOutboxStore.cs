namespace Outbox;

/// <summary>
/// Where outbox messages live. Every update is conditional on the expected current status
/// (from <see cref="OutboxStateMachine"/>) and, for claimed messages, on the lease owner, so a
/// relay whose lease expired cannot overwrite the newer owner's outcome. Order and time come from
/// the database: each message gets its position from the database when it is inserted, and "now",
/// due times and lease ends are the database's clock, never a writer's or a relay's.
/// </summary>
public interface IOutboxStore
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
    /// the same call. The default runs the two in turn; a store that can do both in one round trip
    /// and one commit (the EF Core store on PostgreSQL) overrides it. The hosted relay calls this
    /// between passes.
    /// </summary>
    /// <param name="outcomes">The outcomes to record first.</param>
    /// <param name="claim">What to claim next.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many outcomes were applied, and the claimed messages in position order.</returns>
    async Task<(int Recorded, IReadOnlyList<OutboxMessage> Claimed)> RecordOutcomesAndClaimAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim claim, CancellationToken cancellationToken = default)
    {
        int recorded = await RecordOutcomesAsync(outcomes, cancellationToken).ConfigureAwait(false);
        return (recorded, await ClaimAsync(claim, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Records outcomes, then decides which messages the relay owns from their insert (direct
    /// sends, see <see cref="IOutboxDirectSend"/>) may be sent now, keeping their keys' order: a
    /// message may go only when no other unfinished message of its key has a lower position or was
    /// claimed before, and none is in flight; the others go back to <see cref="OutboxStatus.Init"/>,
    /// due at once, to be claimed in order.
    /// Nothing is written for the messages that may go. Serialized with claims, like a claim.
    /// A store whose writes never produce owned messages need not implement it.
    /// </summary>
    /// <param name="outcomes">The outcomes to record first (of earlier direct sends), possibly none.</param>
    /// <param name="claim">The owned messages to decide on, possibly none.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many outcomes were applied, the messages to send now, and those given back.</returns>
    /// <exception cref="NotSupportedException">The store does not support direct sends (the default).</exception>
    Task<OutboxOwnedClaimResult> RecordOutcomesAndClaimOwnedAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxOwnedClaim claim, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not support direct sends.");

    /// <summary>Gets the database's current time: the clock every lease, due time and position is counted on. Direct sends write leases on it.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The database's now.</returns>
    /// <exception cref="NotSupportedException">The store does not support direct sends (the default).</exception>
    Task<DateTimeOffset> GetDatabaseTimeAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not support direct sends.");

    /// <summary>
    /// Marks messages <see cref="OutboxStatus.Complete"/> that a confirmation (for example a
    /// consumer that read them from the topic) says arrived, whoever holds their lease. Only
    /// <see cref="OutboxStatus.Publish"/> messages move; with zero retention they are deleted.
    /// </summary>
    /// <param name="messageIds">The confirmed messages.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many messages moved to COMPLETE.</returns>
    Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default);

    /// <summary>Gets the message counts by status and the age of the oldest unfinished message.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The summary.</returns>
    Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets the INIT, PUBLISH and DEAD counts and the age of the oldest unfinished message with
    /// index-only reads, whatever the number of completed rows: the figures behind the backlog
    /// gauges and the health check, asked every few seconds. The default derives them from
    /// <see cref="GetSummaryAsync"/>, which reads the whole table, and from
    /// <see cref="GetDatabaseTimeAsync"/>; a store overrides it with something cheaper (the EF Core
    /// store does).
    /// </summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The backlog.</returns>
    async Task<OutboxBacklog> GetBacklogAsync(CancellationToken cancellationToken = default)
    {
        OutboxSummary summary = await GetSummaryAsync(cancellationToken).ConfigureAwait(false);
        TimeSpan? age = null;
        if (summary.OldestUnfinishedCreatedAt is { } oldest)
        {
            DateTimeOffset now = await GetDatabaseTimeAsync(cancellationToken).ConfigureAwait(false);
            age = now > oldest ? now - oldest : TimeSpan.Zero;
        }

        return new OutboxBacklog(summary.Init, summary.Publish, summary.Dead, age);
    }

    /// <summary>Lists <see cref="OutboxStatus.Dead"/> messages, oldest first.</summary>
    /// <param name="limit">The most messages to return.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The dead messages.</returns>
    Task<IReadOnlyList<OutboxMessage>> ListDeadAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets one message by id, whatever its status, with its payload and headers: what an
    /// operator looks at before requeuing it (the dashboard's message view). A store that cannot
    /// look a message up need not implement it.
    /// </summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The message, or <see langword="null"/> when there is none with that id (never written, or deleted by retention).</returns>
    /// <exception cref="NotSupportedException">The store does not support looking messages up (the default).</exception>
    Task<OutboxMessage?> GetMessageAsync(Guid messageId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not support looking messages up by id.");

    /// <summary>Moves <see cref="OutboxStatus.Dead"/> messages back to <see cref="OutboxStatus.Init"/>, due at once, with their attempts reset; they keep their position. Messages not DEAD are left alone.</summary>
    /// <param name="messageIds">The messages to requeue.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many were requeued.</returns>
    Task<int> RequeueDeadAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default);

    /// <summary>Deletes at most <paramref name="limit"/> messages in <paramref name="status"/> (<see cref="OutboxStatus.Complete"/> or <see cref="OutboxStatus.Dead"/>) that reached it longer than <paramref name="retention"/> ago. Never touches other statuses.</summary>
    /// <param name="status">The final status whose rows to delete.</param>
    /// <param name="retention">How long rows are kept after they reached <paramref name="status"/>, on the database's clock.</param>
    /// <param name="limit">The most rows to delete in this call (keeps each statement short).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many were deleted.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not a final status.</exception>
    Task<int> DeleteFinishedAsync(OutboxStatus status, TimeSpan retention, int limit, CancellationToken cancellationToken = default);
}
