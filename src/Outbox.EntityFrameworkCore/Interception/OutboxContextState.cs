using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Interception;

/// <summary>One context's outbox messages between <c>Add</c> and their commit.</summary>
internal sealed class OutboxContextState
{
    /// <summary>Gets the messages staged and not yet saved, in the order they were added.</summary>
    public List<OutboxMessage> Staged { get; } = [];

    /// <summary>Gets or sets the messages the running <c>SaveChanges</c> writes.</summary>
    public List<OutboxMessage>? Saving { get; set; }

    /// <summary>Gets or sets the lease they are written under, or <see langword="null"/> when they are written INIT.</summary>
    public OutboxOwnership? SavingOwnership { get; set; }

    /// <summary>
    /// Gets the id of the EF Core transaction (not the ADO.NET object: Npgsql reuses one per connection) <see cref="AwaitingCommit"/> and <see cref="InitAwaitingCommit"/> were
    /// saved in. A transaction disposed without <c>Rollback</c> tells no interceptor it ended, so
    /// what it saved is forgotten when another transaction saves or commits, never handed over.
    /// </summary>
    public Guid? AwaitingTransaction { get; private set; }

    /// <summary>Gets the saved owned messages waiting for their transaction to commit.</summary>
    public List<(OutboxOwnership Ownership, List<OutboxMessage> Messages)> AwaitingCommit { get; } = [];

    /// <summary>Gets or sets whether INIT messages were saved in a transaction not yet committed (the relay is woken when it commits).</summary>
    public bool InitAwaitingCommit { get; set; }

    /// <summary>Makes <paramref name="transaction"/> the one awaited, forgetting what another one saved.</summary>
    public void Await(Guid transaction)
    {
        if (AwaitingTransaction != transaction)
        {
            Forget();
            AwaitingTransaction = transaction;
        }
    }

    /// <summary>Forgets what the awaited transaction saved (it rolled back, or ended unseen).</summary>
    public void Forget()
    {
        AwaitingCommit.Clear();
        InitAwaitingCommit = false;
        AwaitingTransaction = null;
    }
}
