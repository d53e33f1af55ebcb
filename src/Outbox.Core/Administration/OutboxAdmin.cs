using Outbox.Storage;

namespace Outbox.Administration;

internal sealed class OutboxAdmin(IOutboxAdminStore store, IOutboxSignal signal) : IOutboxAdmin
{
    public Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default) =>
        store.GetSummaryAsync(cancellationToken);

    public Task<OutboxBacklog> GetBacklogAsync(CancellationToken cancellationToken = default) =>
        store.GetBacklogAsync(cancellationToken);

    public Task<OutboxMessage?> GetMessageAsync(Guid messageId, CancellationToken cancellationToken = default) =>
        store.GetMessageAsync(messageId, cancellationToken);

    public Task<IReadOnlyList<OutboxMessage>> ListDeadAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 10_000);
        return store.ListDeadAsync(limit, cancellationToken);
    }

    public async Task<int> RequeueAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        if (messageIds.Count == 0)
        {
            return 0;
        }

        OutboxStateMachine.EnsureTransition(OutboxStatus.Dead, OutboxStatus.Init);
        int requeued = await store.RequeueDeadAsync(messageIds, cancellationToken).ConfigureAwait(false);
        if (requeued > 0)
        {
            signal.Notify();
        }

        return requeued;
    }
}
