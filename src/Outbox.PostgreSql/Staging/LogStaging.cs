using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace Outbox.PostgreSql.Staging;

/// <summary>
/// Keeps the messages each context staged for the log until its save writes them
/// (<see cref="LogMessageInterceptor"/>). Weak, so a disposed context leaves nothing behind; a
/// message staged and never saved is dropped with its context, as an unsaved entity would be.
/// </summary>
internal sealed class LogStaging
{
    private readonly ConditionalWeakTable<DbContext, LogContextState> states = [];

    public void Stage(DbContext context, OutboxMessage message) => states.GetOrCreateValue(context).Staged.Add(message);

    /// <summary>Gets the context's state, or <see langword="null"/> when it never staged a message.</summary>
    public LogContextState? Find(DbContext context) => states.TryGetValue(context, out LogContextState? state) ? state : null;
}
