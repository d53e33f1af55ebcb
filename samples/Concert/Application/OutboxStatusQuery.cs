using Outbox;

namespace Concert.Application;

/// <summary>Reads the outbox summary through the library's operator API (<see cref="IOutboxAdmin"/>) and adds the age of the oldest pending message.</summary>
internal sealed class OutboxStatusQuery(IOutboxAdmin admin, TimeProvider clock)
{
    public async Task<OutboxStatusView> GetAsync(CancellationToken cancellationToken)
    {
        OutboxSummary summary = await admin.GetSummaryAsync(cancellationToken);
        TimeSpan? age = clock.GetUtcNow() - summary.OldestUnfinishedCreatedAt;
        return new OutboxStatusView(summary.Init, summary.Publish, summary.Complete, summary.Dead, summary.OldestUnfinishedCreatedAt, age);
    }
}
