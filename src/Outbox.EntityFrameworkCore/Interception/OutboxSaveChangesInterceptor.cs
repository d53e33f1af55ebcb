using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Outbox.EntityFrameworkCore;

/// <summary>
/// The after-commit wake-up. A <c>SaveChanges</c> that writes messages staged through
/// <see cref="IOutbox"/> either commits on its own (wake the relay when it returns) or runs in a
/// transaction (wake it when that transaction commits through EF Core; see
/// <see cref="OutboxTransactionInterceptor"/>). Anything else is found by polling.
/// </summary>
internal sealed class OutboxSaveChangesInterceptor(IOutboxSignal signal) : SaveChangesInterceptor
{
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

    private void Saved(DbContext? context)
    {
        if (context is null || !OutboxStagingTracker.TakeStaged(context))
        {
            return;
        }

        if (context.Database.CurrentTransaction is null)
        {
            signal.Notify();
        }
        else
        {
            OutboxStagingTracker.MarkPendingCommit(context);
        }
    }
}
