using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace Outbox.EntityFrameworkCore;

/// <summary>
/// Which contexts have staged messages not yet saved, and which saved them inside a transaction
/// not yet committed. Weak, so a disposed context leaves nothing behind.
/// </summary>
internal static class OutboxStagingTracker
{
    private static readonly ConditionalWeakTable<DbContext, object> Staged = [];
    private static readonly ConditionalWeakTable<DbContext, object> PendingCommit = [];
    private static readonly object Marker = new();

    public static void MarkStaged(DbContext context) => Staged.AddOrUpdate(context, Marker);

    public static bool TakeStaged(DbContext context) => Staged.Remove(context);

    public static void MarkPendingCommit(DbContext context) => PendingCommit.AddOrUpdate(context, Marker);

    public static bool TakePendingCommit(DbContext context) => PendingCommit.Remove(context);
}
