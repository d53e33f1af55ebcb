namespace Outbox;

/// <summary>
/// Where outbox messages live. Every update is conditional on the expected current status
/// (from <see cref="OutboxStateMachine"/>) and, for claimed messages, on the lease owner, so a
/// relay whose lease expired cannot overwrite the newer owner's outcome.
/// </summary>
public interface IOutboxStore
{
    /// <summary>
    /// Claims up to <see cref="OutboxClaim.BatchSize"/> due messages: <see cref="OutboxStatus.Init"/>
    /// ones whose next attempt is due and <see cref="OutboxStatus.Publish"/> ones whose lease
    /// expired. Claimed messages move to <see cref="OutboxStatus.Publish"/> under the caller's lease.
    /// Messages claimed by a concurrent caller are skipped, not waited for.
    /// </summary>
    /// <param name="claim">What to claim.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The claimed messages, oldest first.</returns>
    Task<IReadOnlyList<OutboxMessage>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records send outcomes in one round trip. An outcome applies only while the message is still
    /// <see cref="OutboxStatus.Publish"/> under <paramref name="leaseOwner"/>.
    /// </summary>
    /// <param name="leaseOwner">The lease owner that claimed the messages.</param>
    /// <param name="outcomes">The outcomes.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many outcomes were applied; fewer than given when another relay took a message over.</returns>
    Task<int> RecordOutcomesAsync(string leaseOwner, IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the previous batch's send outcomes, then claims the next batch, as
    /// <see cref="RecordOutcomesAsync"/> and <see cref="ClaimAsync"/> would. The claim sees the
    /// recorded outcomes, so a key whose message just completed has its next message claimable in
    /// the same call. The default runs the two in turn; a store that can do both in one round trip
    /// and one commit (the EF Core store on PostgreSQL) overrides it. The hosted relay calls this
    /// between passes.
    /// </summary>
    /// <param name="leaseOwner">The lease owner that claimed the messages of <paramref name="outcomes"/>.</param>
    /// <param name="outcomes">The outcomes to record first.</param>
    /// <param name="claim">What to claim next.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many outcomes were applied, and the claimed messages, oldest first.</returns>
    async Task<(int Recorded, IReadOnlyList<OutboxMessage> Claimed)> RecordOutcomesAndClaimAsync(string leaseOwner, IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim claim, CancellationToken cancellationToken = default)
    {
        int recorded = await RecordOutcomesAsync(leaseOwner, outcomes, cancellationToken).ConfigureAwait(false);
        return (recorded, await ClaimAsync(claim, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Marks messages <see cref="OutboxStatus.Complete"/> that a confirmation (for example a
    /// consumer that read them from the topic) says arrived, whoever holds their lease. Only
    /// <see cref="OutboxStatus.Publish"/> messages move; with zero retention they are deleted.
    /// </summary>
    /// <param name="messageIds">The confirmed messages.</param>
    /// <param name="completedAt">The completion time to store.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many messages moved to COMPLETE.</returns>
    Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, DateTimeOffset completedAt, CancellationToken cancellationToken = default);

    /// <summary>Gets the message counts by status and the age of the oldest unfinished message.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The summary.</returns>
    Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default);

    /// <summary>Lists <see cref="OutboxStatus.Dead"/> messages, oldest first.</summary>
    /// <param name="limit">The most messages to return.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The dead messages.</returns>
    Task<IReadOnlyList<OutboxMessage>> ListDeadAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>Moves <see cref="OutboxStatus.Dead"/> messages back to <see cref="OutboxStatus.Init"/>, due at <paramref name="now"/>, with their attempts reset. Messages not DEAD are left alone.</summary>
    /// <param name="messageIds">The messages to requeue.</param>
    /// <param name="now">When they become due.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many were requeued.</returns>
    Task<int> RequeueDeadAsync(IReadOnlyList<Guid> messageIds, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Deletes at most <paramref name="limit"/> <see cref="OutboxStatus.Complete"/> messages completed before <paramref name="completedBefore"/>. Never touches other statuses.</summary>
    /// <param name="completedBefore">The retention cut-off.</param>
    /// <param name="limit">The most rows to delete in this call (keeps each statement short).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many were deleted.</returns>
    Task<int> DeleteCompletedAsync(DateTimeOffset completedBefore, int limit, CancellationToken cancellationToken = default);
}
