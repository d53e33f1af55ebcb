using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Outbox.EntityFrameworkCore.Interception;

namespace Outbox.PostgreSql.Staging;

/// <summary>
/// Writes the messages a context staged for the log in the same round trip as its save: the
/// <c>pg_logical_emit_message</c> statement is appended to the save's first command, so it commits
/// or rolls back with the business rows (a single command outside a transaction runs as one implicit
/// transaction). A save retried in a new transaction writes them again; a failed save stages them
/// again; a save with no command of its own writes them in a statement of their own, in the
/// context's transaction if there is one.
/// </summary>
internal sealed class LogMessageInterceptor(IOptions<PostgreSqlLogTailingOptions> options, LogSlotGuard slot) : SaveChangesInterceptor, IDbCommandInterceptor, IOutboxLogStaging
{
    private readonly LogStaging staging = new();
    private readonly string prefix = options.Value.MessagePrefix;

    public void Stage(DbContext context, OutboxMessage message) => staging.Stage(context, message);

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (Pending(eventData.Context) is { } context)
        {
            slot.Ensure(context);
            Saving(context);
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (Pending(eventData.Context) is { } context)
        {
            await slot.EnsureAsync(context, cancellationToken).ConfigureAwait(false);
            Saving(context);
        }

        return result;
    }

    /// <summary>The context, when it has staged messages for this save.</summary>
    private DbContext? Pending(DbContext? context) => context is not null && staging.Find(context) is { Staged.Count: > 0 } ? context : null;

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (Unwritten(eventData.Context) is { } frames)
        {
            (string sql, object[] arguments) = LogMessageStatement.Standalone(prefix, frames);
            eventData.Context!.Database.ExecuteSqlRaw(sql, arguments);
        }

        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (Unwritten(eventData.Context) is { } frames)
        {
            (string sql, object[] arguments) = LogMessageStatement.Standalone(prefix, frames);
            await eventData.Context!.Database.ExecuteSqlRawAsync(sql, arguments, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Failed(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Failed(eventData.Context);
        return Task.CompletedTask;
    }

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Append(command, eventData);
        return result;
    }

    public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Append(command, eventData);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Append(command, eventData);
        return result;
    }

    public ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Append(command, eventData);
        return ValueTask.FromResult(result);
    }

    private void Saving(DbContext context)
    {
        LogContextState state = staging.Find(context)!;
        state.SavingMessages = [.. state.Staged];
        state.Saving = state.Staged.ConvertAll(LogMessageFrame.Encode);
        state.Staged.Clear();
        state.Written = false;
        state.WrittenIn = null;
    }

    private void Append(DbCommand command, CommandEventData eventData)
    {
        if (eventData.CommandSource != CommandSource.SaveChanges || eventData.Context is null
            || staging.Find(eventData.Context) is not { Saving: { } frames } state)
        {
            return;
        }

        // Outside a transaction each command is a save attempt of its own; inside one, once per transaction.
        if (state.Written && command.Transaction is not null && ReferenceEquals(command.Transaction, state.WrittenIn))
        {
            return;
        }

        LogMessageStatement.AppendTo(command, prefix, frames);
        state.Written = true;
        state.WrittenIn = command.Transaction;
    }

    /// <summary>Ends the save; returns its frames when no command carried them.</summary>
    private List<byte[]>? Unwritten(DbContext? context)
    {
        if (context is null || staging.Find(context) is not { Saving: { } frames } state)
        {
            return null;
        }

        bool written = state.Written;
        state.Saving = null;
        state.SavingMessages = null;
        state.WrittenIn = null;
        return written ? null : frames;
    }

    /// <summary>The save failed: its messages are staged again, for a retried save to write.</summary>
    private void Failed(DbContext? context)
    {
        if (context is null || staging.Find(context) is not { Saving: not null } state)
        {
            return;
        }

        state.Staged.InsertRange(0, state.SavingMessages!);
        state.Saving = null;
        state.SavingMessages = null;
        state.WrittenIn = null;
    }
}
