using Outbox.Storage;

namespace Outbox.Relay;

/// <summary>
/// Where a relay worker's batches come from, and where their outcomes go: the first step of the
/// pipeline (source → <see cref="RelaySender"/> → <see cref="SendOutcomes"/> → back to the source).
/// The polling claim is one (<see cref="ClaimSource"/>); a source that streams the database's log
/// would be another. A source records the previous batch's outcomes in the same call that takes
/// the next batch, so a busy relay makes one store round trip per batch.
/// </summary>
internal interface IRelayBatchSource
{
    /// <summary>Records <paramref name="outcomes"/>, then takes the next batch.</summary>
    /// <param name="outcomes">The previous batches' outcomes, possibly none.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many outcomes were applied, and the batch (possibly empty).</returns>
    Task<(int Recorded, RelayBatch Batch)> RecordAndTakeAsync(IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken);

    /// <summary>Records outcomes on their own: when no batch follows (a single pass, the host stopping), or one by one after a failed call.</summary>
    /// <param name="outcomes">The outcomes.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many were applied.</returns>
    Task<int> RecordAsync(IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken);
}
