using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Interception;

/// <summary>
/// Writes messages staged through <see cref="IOutbox"/> and hands them over once committed. Before
/// the save, where the commit will be seen (the save commits on its own, or inside a transaction
/// EF Core began) and the relay can take them, the messages are written owned by the relay's
/// direct sender (see <see cref="IOutboxDirectSend"/>); otherwise INIT. After the save, or after
/// its transaction commits (<see cref="OutboxTransactionInterceptor"/>), owned messages go to the
/// direct sender and INIT ones wake the relay; inside an ambient TransactionScope, when the scope
/// commits. Anything else is found by polling.
/// </summary>
internal sealed class OutboxSaveChangesInterceptor(IOutboxSignal signal, IOutboxDirectSend directSend) : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Saving(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Saving(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Failed(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Failed(eventData.Context);
        return Task.CompletedTask;
    }

    private void Saving(DbContext? context)
    {
        if (context is null || OutboxStagingTracker.Find(context) is not { Staged.Count: > 0 } state)
        {
            return;
        }

        var saving = new List<OutboxMessage>(state.Staged.Count);
        foreach (OutboxMessage message in state.Staged)
        {
            if (context.Entry(message).State == EntityState.Added)
            {
                saving.Add(message);
            }
        }

        state.Staged.Clear();
        OutboxOwnership? ownership = CommitIsSeen(context) ? directSend.TryOwn() : null;
        foreach (OutboxMessage message in saving)
        {
            // Set on every save, so a save retried after a failure writes what holds now.
            EntityEntry<OutboxMessage> entry = context.Entry(message);
            entry.Property(m => m.Status).CurrentValue = ownership is null ? OutboxStatus.Init : OutboxStatus.Publish;
            entry.Property(m => m.LeaseOwner).CurrentValue = ownership?.LeaseOwner;
            entry.Property(m => m.LeaseExpiresAt).CurrentValue = ownership?.LeaseExpiresAt;
        }

        state.Saving = saving;
        state.SavingOwnership = ownership;
    }

    private void Saved(DbContext? context)
    {
        if (context is null || OutboxStagingTracker.Find(context) is not { Saving: { } saved } state)
        {
            return;
        }

        OutboxOwnership? ownership = state.SavingOwnership;
        state.Saving = null;
        state.SavingOwnership = null;
        if (saved.Count == 0)
        {
            return;
        }

        if (ownership is null && System.Transactions.Transaction.Current is { } ambient)
        {
            // The save enlisted in an ambient TransactionScope: its rows are visible only once
            // the scope commits, which may be long after this save returns.
            NotifyWhenCommitted(ambient);
            return;
        }

        if (context.Database.CurrentTransaction is not { } transaction)
        {
            if (ownership is not null)
            {
                directSend.Committed(ownership, saved);
            }
            else
            {
                signal.Notify();
            }

            return;
        }

        state.Await(transaction.TransactionId);
        if (ownership is not null)
        {
            state.AwaitingCommit.Add((ownership, saved));
        }
        else
        {
            state.InitAwaitingCommit = true;
        }
    }

    /// <summary>Wakes the relay when <paramref name="ambient"/> commits; a rollback or an abort wakes nothing.</summary>
    private void NotifyWhenCommitted(System.Transactions.Transaction ambient) =>
        ambient.TransactionCompleted += (_, e) =>
        {
            if (e.Transaction?.TransactionInformation.Status == System.Transactions.TransactionStatus.Committed)
            {
                signal.Notify();
            }
        };

    /// <summary>The save failed: its messages are staged again, for a retried save to write.</summary>
    private static void Failed(DbContext? context)
    {
        if (context is null || OutboxStagingTracker.Find(context) is not { Saving: { } saving } state)
        {
            return;
        }

        state.Staged.InsertRange(0, saving);
        state.Saving = null;
        state.SavingOwnership = null;
    }

    /// <summary>
    /// Whether the commit of what this save writes reaches the interceptors: the save commits on
    /// its own, or runs in a transaction EF Core began. Not for a transaction the application
    /// passed in (UseTransaction) or an ambient TransactionScope.
    /// </summary>
    private static bool CommitIsSeen(DbContext context)
    {
        if (System.Transactions.Transaction.Current is not null)
        {
            return false;
        }

        return context.Database.CurrentTransaction is not { } transaction
            || OutboxStagingTracker.WasBegun(Microsoft.EntityFrameworkCore.Storage.DbContextTransactionExtensions.GetDbTransaction(transaction));
    }
}
