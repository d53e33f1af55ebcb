using Microsoft.Extensions.DependencyInjection;
using Outbox.Storage;

namespace Outbox.Relay;

/// <summary>
/// The polling source: each batch is a claim on the store under a lease of its own
/// (<c>{instance}/{claim number}</c>), recorded together with the previous batch's outcomes. The
/// store is resolved in a scope per call (stores are usually scoped, like a DbContext).
/// </summary>
internal sealed class ClaimSource(IServiceScopeFactory scopeFactory, OutboxOptions options, TimeProvider timeProvider, RelayInstance instance) : IRelayBatchSource
{
    public async Task<(int Recorded, RelayBatch Batch)> RecordAndTakeAsync(IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken)
    {
        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        IOutboxRelayStore store = scope.ServiceProvider.GetRequiredService<IOutboxRelayStore>();
        var claim = new OutboxClaim(instance.NextClaimOwner(), options.BatchSize, options.LeaseDuration, options.PreserveKeyOrder);

        // Counted from before the claim is sent: never later than the database's start of the lease.
        long leaseStarted = timeProvider.GetTimestamp();
        (int recorded, IReadOnlyList<OutboxMessage> claimed) = outcomes.Count == 0
            ? (0, await store.ClaimAsync(claim, cancellationToken).ConfigureAwait(false))
            : await store.RecordOutcomesAndClaimAsync(outcomes, claim, cancellationToken).ConfigureAwait(false);
        return (recorded, new RelayBatch(claimed, claim.LeaseOwner, leaseStarted, options.LeaseDuration));
    }

    public async Task<int> RecordAsync(IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken)
    {
        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        IOutboxRelayStore store = scope.ServiceProvider.GetRequiredService<IOutboxRelayStore>();
        return await store.RecordOutcomesAsync(outcomes, cancellationToken).ConfigureAwait(false);
    }
}
