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

    /// <summary>Gets the message counts by status and the age of the oldest unfinished message.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The summary.</returns>
    Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default);
}
