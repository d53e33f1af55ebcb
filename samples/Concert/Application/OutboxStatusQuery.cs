using Outbox;

namespace Concert.Application;

/// <summary>Reads the outbox summary from the library's <see cref="IOutboxStore"/> and adds the age of the oldest pending message.</summary>
internal sealed class OutboxStatusQuery(IOutboxStore store, TimeProvider clock)
{
    public async Task<OutboxStatusView> GetAsync(CancellationToken cancellationToken)
    {
        OutboxSummary summary = await store.GetSummaryAsync(cancellationToken);
        TimeSpan? age = clock.GetUtcNow() - summary.OldestUnfinishedCreatedAt;
        return new OutboxStatusView(summary.Init, summary.Publish, summary.Complete, summary.Dead, summary.OldestUnfinishedCreatedAt, age);
    }
}
