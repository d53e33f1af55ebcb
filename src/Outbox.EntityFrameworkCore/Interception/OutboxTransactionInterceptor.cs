using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Interception;

/// <summary>
/// Notes the transactions EF Core begins; when one that saved outbox messages commits, hands the
/// owned ones to the direct sender and wakes the relay for INIT ones; on rollback, forgets them.
/// </summary>
internal sealed class OutboxTransactionInterceptor(IOutboxSignal signal, IOutboxDirectSend directSend) : DbTransactionInterceptor
{
    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        OutboxStagingTracker.MarkBegun(result);
        return result;
    }

    public override ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        OutboxStagingTracker.MarkBegun(result);
        return ValueTask.FromResult(result);
    }

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
        if (eventData.Context is not { } context || OutboxStagingTracker.Find(context) is not { } state)
        {
            return;
        }

        if (state.AwaitingTransaction != eventData.TransactionId)
        {
            state.Forget(); // saved in a transaction that ended unseen (disposed without Rollback)
            return;
        }

        foreach ((OutboxOwnership ownership, List<OutboxMessage> messages) in state.AwaitingCommit)
        {
            directSend.Committed(ownership, messages);
        }

        bool notify = state.InitAwaitingCommit;
        state.Forget();
        if (notify)
        {
            signal.Notify();
        }
    }

    private static void RolledBack(TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context && OutboxStagingTracker.Find(context) is { } state)
        {
            state.Forget();
        }
    }
}
