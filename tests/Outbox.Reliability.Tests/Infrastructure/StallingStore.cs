using Outbox.Storage;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// A relay process that stalls (a long GC pause, a frozen VM, SIGSTOP) right after its first claim
/// that returned messages: the claim is made, then nothing happens for <paramref name="stall"/>.
/// Everything else passes through to the real store. The store is scoped (one per relay call, each
/// on its own DbContext), so the decorators of one process share a <see cref="Stall"/>.
/// </summary>
public sealed class StallingStore(IOutboxStore inner, StallingStore.Stall stall) : IOutboxStore
{

    public async Task<IReadOnlyList<OutboxMessage>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken = default) =>
        await StallOnceAsync(await inner.ClaimAsync(claim, cancellationToken));

    public async Task<(int Recorded, IReadOnlyList<OutboxMessage> Claimed)> RecordOutcomesAndClaimAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim claim, CancellationToken cancellationToken = default)
    {
        (int recorded, IReadOnlyList<OutboxMessage> claimed) = await inner.RecordOutcomesAndClaimAsync(outcomes, claim, cancellationToken);
        return (recorded, await StallOnceAsync(claimed));
    }

    public Task<int> RecordOutcomesAsync(IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken = default) => inner.RecordOutcomesAsync(outcomes, cancellationToken);

    public Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default) => inner.ConfirmAsync(messageIds, cancellationToken);

    public Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default) => inner.GetSummaryAsync(cancellationToken);

    public Task<IReadOnlyList<OutboxMessage>> ListDeadAsync(int limit, CancellationToken cancellationToken = default) => inner.ListDeadAsync(limit, cancellationToken);

    public Task<int> RequeueDeadAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default) => inner.RequeueDeadAsync(messageIds, cancellationToken);

    public Task<OutboxBacklog> GetBacklogAsync(CancellationToken cancellationToken = default) => inner.GetBacklogAsync(cancellationToken);

    public Task<OutboxMessage?> GetMessageAsync(Guid messageId, CancellationToken cancellationToken = default) => inner.GetMessageAsync(messageId, cancellationToken);

    public Task<int> DeleteFinishedAsync(OutboxStatus status, TimeSpan retention, int limit, CancellationToken cancellationToken = default) => inner.DeleteFinishedAsync(status, retention, limit, cancellationToken);

    private async Task<IReadOnlyList<OutboxMessage>> StallOnceAsync(IReadOnlyList<OutboxMessage> claimed)
    {
        if (claimed.Count > 0 && Interlocked.Exchange(ref stall.Stalled, 1) == 0)
        {
            stall.StalledClaim = claimed;
            await Task.Delay(stall.Duration, CancellationToken.None);
            stall.Resumed.TrySetResult();
        }

        return claimed;
    }

    /// <summary>The one stall of a process: how long, which claim, and when it ended.</summary>
    public sealed class Stall(TimeSpan duration)
    {
        internal int Stalled;

        public TimeSpan Duration { get; } = duration;

        /// <summary>Gets the messages of the claim that stalled.</summary>
        public IReadOnlyList<OutboxMessage> StalledClaim { get; internal set; } = [];

        /// <summary>Gets when the stall ended.</summary>
        public TaskCompletionSource Resumed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
