using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace Outbox.EntityFrameworkCore.Interception;

/// <summary>
/// What each context has staged, is saving and has saved inside a transaction not yet committed,
/// and which transactions EF Core began (so their commit is seen). Weak, so a disposed context
/// or transaction leaves nothing behind. A context is used by one thread at a time, so each
/// context's <see cref="OutboxContextState"/> needs no lock.
/// </summary>
internal static class OutboxStagingTracker
{
    private static readonly ConditionalWeakTable<DbContext, OutboxContextState> States = [];
    private static readonly ConditionalWeakTable<DbTransaction, object> Begun = [];
    private static readonly object Marker = new();

    public static void Stage(DbContext context, OutboxMessage message) => States.GetOrCreateValue(context).Staged.Add(message);

    /// <summary>Gets the context's state, or <see langword="null"/> when it never staged a message.</summary>
    public static OutboxContextState? Find(DbContext context) => States.TryGetValue(context, out OutboxContextState? state) ? state : null;

    public static void MarkBegun(DbTransaction transaction) => Begun.AddOrUpdate(transaction, Marker);

    /// <summary>Gets whether EF Core began <paramref name="transaction"/> (then its commit reaches the transaction interceptor).</summary>
    public static bool WasBegun(DbTransaction transaction) => Begun.TryGetValue(transaction, out _);
}
