using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Storage;

/// <summary>
/// The EF Core store: runs the dialect's statements on the DbContext's own connection. Claims and
/// outcome updates commit on their own (one batch or script per call), so they never hold locks
/// across a send. Order and time come from the database (see <see cref="OutboxSqlDialect"/>).
/// </summary>
internal sealed class EntityFrameworkOutboxStore<TContext>(TContext context, OutboxSql.Cache<TContext> cache, IOptions<OutboxOptions> options) : IOutboxStore, IOutboxDirectSendStore
    where TContext : DbContext
{
    public async Task<IReadOnlyList<OutboxMessage>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken = default) =>
        (await RecordOutcomesAndClaimAsync([], claim, cancellationToken).ConfigureAwait(false)).Claimed;

    /// <summary>
    /// One database call: the outcomes, then the claim, in one transaction (one round trip on
    /// PostgreSQL and SQL Server). When a key-order claim's window was full of blocked rows (hot
    /// keys) and gave almost nothing, a second claim takes the rest from the keys' first rows.
    /// </summary>
    public Task<(int Recorded, IReadOnlyList<OutboxMessage> Claimed)> RecordOutcomesAndClaimAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        return WithConnectionAsync<(int, IReadOnlyList<OutboxMessage>)>(
            async (sql, runner, token) =>
            {
                OutboxBookkeeping done = await runner.BookkeepingAsync(sql.Dialect.Bookkeeping(sql.Table, outcomes, claim, DeleteOnComplete, OwnTransaction), claim, token).ConfigureAwait(false);
                if (!OutboxSqlDialect.WindowWasStarved(claim, done.Claimed.Count, done.WindowCount))
                {
                    return (done.Applied, done.Claimed);
                }

                OutboxClaim rest = claim with { BatchSize = claim.BatchSize - done.Claimed.Count };
                OutboxBookkeeping heads = await runner.BookkeepingAsync(sql.Dialect.HeadsClaim(sql.Table, rest, OwnTransaction), rest, token).ConfigureAwait(false);
                return (done.Applied, [.. done.Claimed, .. heads.Claimed]);
            },
            cancellationToken);
    }

    /// <summary>
    /// One round trip on the happy path: the outcomes, then the owned messages that may go (a read
    /// serialized with claims; nothing written for them). Only when some must wait for an earlier
    /// message of their key does a second statement give those back.
    /// </summary>
    public Task<OutboxOwnedClaimResult> RecordOutcomesAndClaimOwnedAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxOwnedClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(claim.MessageIds);
        if (outcomes.Count == 0 && claim.MessageIds.Count == 0)
        {
            return Task.FromResult(new OutboxOwnedClaimResult(0, [], []));
        }

        return WithConnectionAsync(
            async (sql, runner, token) =>
            {
                OutboxBookkeeping done = await runner.BookkeepingAsync(sql.Dialect.AdmitOwned(sql.Table, outcomes, claim, DeleteOnComplete, OwnTransaction), claim: null, token).ConfigureAwait(false);
                IReadOnlyList<Guid> admitted = done.Ids ?? [];
                List<Guid> refused = claim.MessageIds.Except(admitted).ToList();
                IReadOnlyList<Guid> released = refused.Count == 0
                    ? []
                    : await runner.IdsAsync(sql.Dialect.ReleaseOwned(sql.Table, claim.LeaseOwner, refused, OwnTransaction), token).ConfigureAwait(false);
                return new OutboxOwnedClaimResult(done.Applied, admitted, released);
            },
            cancellationToken);
    }

    public Task<DateTimeOffset> GetDatabaseTimeAsync(CancellationToken cancellationToken = default) =>
        WithConnectionAsync(
            (sql, runner, token) => runner.QueryAsync(
                sql.Dialect.DatabaseTime(sql.Table),
                static async (reader, token) => await reader.ReadAsync(token).ConfigureAwait(false)
                    ? reader.GetFieldValue<DateTimeOffset>(0)
                    : throw new InvalidOperationException("The database returned no time."),
                token),
            cancellationToken);

    public async Task<int> RecordOutcomesAsync(IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0)
        {
            return 0;
        }

        return (await WithConnectionAsync(
            (sql, runner, token) => runner.BookkeepingAsync(sql.Dialect.Bookkeeping(sql.Table, outcomes, claim: null, DeleteOnComplete, OwnTransaction), claim: null, token),
            cancellationToken).ConfigureAwait(false)).Applied;
    }

    public Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default) =>
        WithConnectionAsync(
            (sql, runner, token) => runner.QueryAsync(
                OutboxSqlDialect.Summary(sql.Table),
                static async (reader, token) =>
                {
                    var counts = new long[4];
                    DateTimeOffset? oldest = null;
                    while (await reader.ReadAsync(token).ConfigureAwait(false))
                    {
                        var status = (OutboxStatus)reader.GetInt32(0);
                        counts[(int)status] = reader.GetInt64(1);
                        if (OutboxStateMachine.IsUnfinished(status) && !reader.IsDBNull(2))
                        {
                            DateTimeOffset created = reader.GetFieldValue<DateTimeOffset>(2);
                            oldest = oldest is null || created < oldest ? created : oldest;
                        }
                    }

                    return new OutboxSummary(counts[0], counts[1], counts[2], counts[3], oldest);
                },
                token),
            cancellationToken);

    public Task<OutboxBacklog> GetBacklogAsync(CancellationToken cancellationToken = default) =>
        WithConnectionAsync(
            (sql, runner, token) => runner.QueryAsync(
                sql.Dialect.Backlog(sql.Table),
                static async (reader, token) =>
                {
                    if (!await reader.ReadAsync(token).ConfigureAwait(false))
                    {
                        throw new InvalidOperationException("The backlog query returned no row.");
                    }

                    DateTimeOffset now = reader.GetFieldValue<DateTimeOffset>(0);
                    long unfinished = reader.GetInt64(1), publish = reader.GetInt64(2), dead = reader.GetInt64(3);
                    TimeSpan? age = reader.IsDBNull(4) ? null : Max(now - reader.GetFieldValue<DateTimeOffset>(4), TimeSpan.Zero);
                    return new OutboxBacklog(unfinished - publish, publish, dead, age);
                },
                token),
            cancellationToken);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// Gets whether a statement runs in a transaction of its own (autocommit), so the relay's
    /// bookkeeping may commit without waiting for the log flush; never inside a caller's transaction.
    /// </summary>
    private bool OwnTransaction => context.Database.CurrentTransaction is null && System.Transactions.Transaction.Current is null;

    /// <summary>Gets whether completed messages are deleted at once (zero retention) instead of marked COMPLETE.</summary>
    private bool DeleteOnComplete => options.Value.CompletedRetention == TimeSpan.Zero;

    public Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        OutboxStateMachine.EnsureTransition(OutboxStatus.Publish, OutboxStatus.Complete);
        return messageIds.Count == 0
            ? Task.FromResult(0)
            : WithConnectionAsync((sql, runner, token) => runner.ExecuteAsync(sql.Dialect.Confirm(sql.Table, messageIds, DeleteOnComplete), token), cancellationToken);
    }

    public async Task<IReadOnlyList<OutboxMessage>> ListDeadAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return await WithConnectionAsync(
            (sql, runner, token) => runner.QueryAsync(sql.Dialect.ListDead(sql.Table, limit), OutboxRowReader.ReadRowsAsync, token),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<OutboxMessage?> GetMessageAsync(Guid messageId, CancellationToken cancellationToken = default) =>
        (await WithConnectionAsync(
            (sql, runner, token) => runner.QueryAsync(OutboxSqlDialect.GetMessage(sql.Table, messageId), OutboxRowReader.ReadRowsAsync, token),
            cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    public Task<int> RequeueDeadAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        OutboxStateMachine.EnsureTransition(OutboxStatus.Dead, OutboxStatus.Init);
        return messageIds.Count == 0
            ? Task.FromResult(0)
            : WithConnectionAsync((sql, runner, token) => runner.ExecuteAsync(sql.Dialect.Requeue(sql.Table, messageIds), token), cancellationToken);
    }

    public Task<int> DeleteFinishedAsync(OutboxStatus status, TimeSpan retention, int limit, CancellationToken cancellationToken = default) =>
        WithConnectionAsync((sql, runner, token) => runner.ExecuteAsync(sql.Dialect.DeleteFinished(sql.Table, status, retention, limit), token), cancellationToken);

    /// <summary>Runs <paramref name="work"/> with the context's connection open (opened and closed here unless the caller already holds it open).</summary>
    private async Task<T> WithConnectionAsync<T>(Func<OutboxSql, OutboxStatementRunner, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        OutboxSql sql = cache.Get(context);
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work(sql, new OutboxStatementRunner(context, sql), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }
}
