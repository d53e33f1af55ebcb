using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace Outbox.EntityFrameworkCore;

/// <summary>
/// The EF Core store: runs the dialect's SQL on the DbContext's own connection. Claims and
/// outcome updates commit on their own (a statement, or on PostgreSQL one batch of them), so they
/// never hold locks across a send.
/// </summary>
internal sealed class EntityFrameworkOutboxStore<TContext>(TContext context, OutboxSql.Cache<TContext> cache, IOptions<OutboxOptions> options) : IOutboxStore
    where TContext : DbContext
{
    public Task<IReadOnlyList<OutboxMessage>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken = default) =>
        WithConnectionAsync<IReadOnlyList<OutboxMessage>>(
            async (sql, token) =>
            {
                await using DbCommand command = CreateCommand();
                FillClaim(sql, command, claim);
                await using DbDataReader reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
                return await OutboxRowReader.ReadClaimedAsync(reader, claim, token).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>
    /// On PostgreSQL, one batch: the outcome statements, then the claim, in one round trip and one
    /// implicit transaction (a failing statement rolls the whole batch back). Elsewhere, the two in turn.
    /// </summary>
    public async Task<(int Recorded, IReadOnlyList<OutboxMessage> Claimed)> RecordOutcomesAndClaimAsync(string leaseOwner, IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leaseOwner);
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0 || !cache.Get(context).Dialect.RunsOutcomesAsOneBatch)
        {
            int recorded = await RecordOutcomesAsync(leaseOwner, outcomes, cancellationToken).ConfigureAwait(false);
            return (recorded, await ClaimAsync(claim, cancellationToken).ConfigureAwait(false));
        }

        return await WithConnectionAsync((sql, token) => RunOutcomeBatchAsync(sql, leaseOwner, outcomes, claim, token), cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> RecordOutcomesAsync(string leaseOwner, IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leaseOwner);
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0)
        {
            return 0;
        }

        return await WithConnectionAsync(
            async (sql, token) =>
            {
                if (sql.Dialect.RunsOutcomesAsOneBatch)
                {
                    return (await RunOutcomeBatchAsync(sql, leaseOwner, outcomes, claim: null, token).ConfigureAwait(false)).Recorded;
                }

                int applied = 0;
                foreach (Action<DbCommand> fill in sql.Dialect.RecordOutcomes(sql.Table, leaseOwner, outcomes, sql.Parameters, DeleteOnComplete, OwnTransaction))
                {
                    await using DbCommand command = CreateCommand();
                    fill(command);
                    applied += await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }

                return applied;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The outcome statements and, when given, the claim, as one batch.</summary>
    private async Task<(int Recorded, IReadOnlyList<OutboxMessage> Claimed)> RunOutcomeBatchAsync(OutboxSql sql, string leaseOwner, IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim? claim, CancellationToken cancellationToken)
    {
        await using DbBatch batch = context.Database.GetDbConnection().CreateBatch();
        batch.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
        foreach (Action<DbCommand> fill in sql.Dialect.RecordOutcomes(sql.Table, leaseOwner, outcomes, sql.Parameters, DeleteOnComplete, OwnTransaction))
        {
            batch.BatchCommands.Add(ToBatchCommand(batch, fill));
        }

        int outcomeStatements = batch.BatchCommands.Count;
        IReadOnlyList<OutboxMessage> claimed = [];
        if (claim is { } next)
        {
            batch.BatchCommands.Add(ToBatchCommand(batch, command => FillClaim(sql, command, next)));
            await using DbDataReader reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            claimed = await OutboxRowReader.ReadClaimedAsync(reader, next, cancellationToken).ConfigureAwait(false);
        }
        else if (outcomeStatements > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int applied = 0;
        for (int i = 0; i < outcomeStatements; i++)
        {
            applied += batch.BatchCommands[i].RecordsAffected;
        }

        return (applied, claimed);
    }

    public Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default) =>
        WithConnectionAsync(
            async (sql, token) =>
            {
                await using DbCommand command = CreateCommand();
                command.CommandText = sql.Summary;
                await using DbDataReader reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
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
            cancellationToken);

    /// <summary>
    /// Gets whether a statement runs in a transaction of its own (autocommit), so the relay's
    /// bookkeeping may commit without waiting for the log flush; never inside a caller's transaction.
    /// </summary>
    private bool OwnTransaction => context.Database.CurrentTransaction is null && System.Transactions.Transaction.Current is null;

    /// <summary>Gets whether completed messages are deleted at once (zero retention) instead of marked COMPLETE.</summary>
    private bool DeleteOnComplete => options.Value.CompletedRetention == TimeSpan.Zero;

    public async Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, DateTimeOffset completedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        OutboxStateMachine.EnsureTransition(OutboxStatus.Publish, OutboxStatus.Complete);
        Guid[] ids = messageIds.ToArray();
        IQueryable<OutboxMessage> published = context.Set<OutboxMessage>().Where(m => ids.Contains(m.Id) && m.Status == OutboxStatus.Publish);
        if (DeleteOnComplete)
        {
            return await published.ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return await published.ExecuteUpdateAsync(
            set => set
                .SetProperty(m => m.Status, OutboxStatus.Complete)
                .SetProperty(m => m.CompletedAt, completedAt)
                .SetProperty(m => m.LeaseOwner, (string?)null)
                .SetProperty(m => m.LeaseExpiresAt, (DateTimeOffset?)null),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<OutboxMessage>> ListDeadAsync(int limit, CancellationToken cancellationToken = default) =>
        await context.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.Status == OutboxStatus.Dead)
            .OrderBy(m => m.Id)
            .Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);

    public async Task<int> RequeueDeadAsync(IReadOnlyList<Guid> messageIds, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        OutboxStateMachine.EnsureTransition(OutboxStatus.Dead, OutboxStatus.Init);
        Guid[] ids = messageIds.ToArray();
        return await context.Set<OutboxMessage>()
            .Where(m => ids.Contains(m.Id) && m.Status == OutboxStatus.Dead)
            .ExecuteUpdateAsync(
                set => set
                    .SetProperty(m => m.Status, OutboxStatus.Init)
                    .SetProperty(m => m.Attempts, 0)
                    .SetProperty(m => m.NextAttemptAt, now),
                cancellationToken).ConfigureAwait(false);
    }

    public Task<int> DeleteCompletedAsync(DateTimeOffset completedBefore, int limit, CancellationToken cancellationToken = default) =>
        WithConnectionAsync(
            async (sql, token) =>
            {
                await using DbCommand command = CreateCommand();
                command.CommandText = sql.DeleteCompleted;
                sql.Parameters.Add(command, "before", completedBefore);
                sql.Parameters.Add(command, "batch", limit);
                return await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>Runs <paramref name="work"/> with the context's connection open (opened and closed here unless the caller already holds it open).</summary>
    private async Task<T> WithConnectionAsync<T>(Func<OutboxSql, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        OutboxSql sql = cache.Get(context);
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work(sql, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private void FillClaim(OutboxSql sql, DbCommand command, OutboxClaim claim)
    {
        command.CommandText = sql.Claim(claim.PreserveKeyOrder, OwnTransaction);
        sql.Parameters.Add(command, "owner", claim.LeaseOwner);
        sql.Parameters.Add(command, "now", claim.Now);
        sql.Parameters.Add(command, "lease", claim.LeaseExpiresAt);
        sql.Parameters.Add(command, "batch", claim.BatchSize);
    }

    /// <summary>Fills a throwaway command with the dialect's action, then moves its text and parameters into a batch command.</summary>
    private DbBatchCommand ToBatchCommand(DbBatch batch, Action<DbCommand> fill)
    {
        using DbCommand command = CreateCommand();
        fill(command);
        DbParameter[] parameters = command.Parameters.Cast<DbParameter>().ToArray();
        command.Parameters.Clear();
        DbBatchCommand batchCommand = batch.CreateBatchCommand();
        batchCommand.CommandText = command.CommandText;
        batchCommand.Parameters.AddRange(parameters);
        return batchCommand;
    }

    private DbCommand CreateCommand()
    {
        DbCommand command = context.Database.GetDbConnection().CreateCommand();
        command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
        return command;
    }
}
