using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Outbox.EntityFrameworkCore;

/// <summary>Wakes the relay when a transaction that saved outbox rows commits; forgets them on rollback.</summary>
internal sealed class OutboxTransactionInterceptor(IOutboxSignal signal) : DbTransactionInterceptor
{
    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => RolledBack(eventData);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        RolledBack(eventData);
        return Task.CompletedTask;
    }

    private void Committed(TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context && OutboxStagingTracker.TakePendingCommit(context))
        {
            signal.Notify();
        }
    }

    private static void RolledBack(TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            OutboxStagingTracker.TakePendingCommit(context);
        }
    }
}
