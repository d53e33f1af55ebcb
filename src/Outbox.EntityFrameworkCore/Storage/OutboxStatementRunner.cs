using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Storage;

/// <summary>
/// Executes the dialect's statements on a DbContext's own connection (and its transaction, when
/// the caller has one): as one batch where the dialect batches, as one script, or in turn inside a
/// transaction. The only place that turns <see cref="OutboxStatement"/> values into commands.
/// </summary>
internal sealed class OutboxStatementRunner(DbContext context, OutboxSql sql)
{
    /// <summary>Runs one bookkeeping call's statements.</summary>
    /// <returns>How many outcomes were applied, the claimed rows in position order, how many rows the claim's window held (when it had one), and the ids an <see cref="OutboxStatementKind.Ids"/> statement returned.</returns>
    public async Task<OutboxBookkeeping> BookkeepingAsync(IReadOnlyList<OutboxStatement> statements, OutboxClaim? claim, CancellationToken cancellationToken)
    {
        if (statements.Count == 0)
        {
            return new(0, [], null);
        }

        if (statements is [{ Kind: OutboxStatementKind.Script } script])
        {
            await using DbCommand command = Command(script);
            await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            bool counted = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            int applied = counted ? reader.GetInt32(0) : 0;
            long? window = counted && !reader.IsDBNull(1) ? Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) : null;
            if (!await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
                return new(applied, [], window);
            }

            return claim is { } scripted
                ? new(applied, await OutboxRowReader.ReadClaimedAsync(reader, scripted, cancellationToken).ConfigureAwait(false), window)
                : new(applied, [], window, await ReadIdsAsync(reader, cancellationToken).ConfigureAwait(false));
        }

        DbConnection connection = context.Database.GetDbConnection();
        if (sql.Dialect.BatchesStatements && connection.CanCreateBatch)
        {
            return await BatchAsync(connection, statements, claim, cancellationToken).ConfigureAwait(false);
        }

        // In turn, inside one transaction (the caller's, or one of its own).
        IDbContextTransaction? own = context.Database.CurrentTransaction is null && System.Transactions.Transaction.Current is null
            ? await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false)
            : null;
        try
        {
            int applied = 0;
            long? window = null;
            IReadOnlyList<OutboxMessage> claimed = [];
            IReadOnlyList<Guid>? ids = null;
            foreach (OutboxStatement statement in statements)
            {
                await using DbCommand command = Command(statement);
                if (statement.Kind == OutboxStatementKind.Claim)
                {
                    await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    claimed = await OutboxRowReader.ReadClaimedAsync(reader, claim!.Value, cancellationToken).ConfigureAwait(false);
                }
                else if (statement.Kind == OutboxStatementKind.Ids)
                {
                    await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    ids = await ReadIdsAsync(reader, cancellationToken).ConfigureAwait(false);
                }
                else if (statement.Kind == OutboxStatementKind.WindowCount)
                {
                    window = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                }
                else
                {
                    int affected = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    applied += statement.Kind == OutboxStatementKind.Outcome ? affected : 0;
                }
            }

            if (own is not null)
            {
                await own.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            return new(applied, claimed, window, ids);
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one statement and returns the rows it affected.</summary>
    public async Task<int> ExecuteAsync(OutboxStatement statement, CancellationToken cancellationToken)
    {
        await using DbCommand command = Command(statement);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one statement that returns message ids.</summary>
    public Task<List<Guid>> IdsAsync(OutboxStatement statement, CancellationToken cancellationToken) =>
        QueryAsync(statement, ReadIdsAsync, cancellationToken);

    /// <summary>Runs one query and reads its rows with <paramref name="read"/>.</summary>
    public async Task<T> QueryAsync<T>(OutboxStatement statement, Func<DbDataReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await using DbCommand command = Command(statement);
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await read(reader, cancellationToken).ConfigureAwait(false);
    }

    private async Task<OutboxBookkeeping> BatchAsync(DbConnection connection, IReadOnlyList<OutboxStatement> statements, OutboxClaim? claim, CancellationToken cancellationToken)
    {
        await using DbBatch batch = connection.CreateBatch();
        batch.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
        foreach (OutboxStatement statement in statements)
        {
            DbBatchCommand batchCommand = batch.CreateBatchCommand();
            batchCommand.CommandText = statement.Text;
            using DbCommand scratch = connection.CreateCommand(); // type mappings create parameters from a command
            foreach (OutboxParameter parameter in statement.Parameters)
            {
                batchCommand.Parameters.Add(sql.Parameters.Create(scratch, parameter));
            }

            batch.BatchCommands.Add(batchCommand);
        }

        IReadOnlyList<OutboxMessage> claimed = [];
        IReadOnlyList<Guid>? ids = null;
        long? window = null;
        if (statements.Any(ReturnsRows))
        {
            await using DbDataReader reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            bool more = true;
            foreach (OutboxStatement statement in statements.Where(ReturnsRows))
            {
                if (!more)
                {
                    break;
                }

                if (statement.Kind == OutboxStatementKind.Claim)
                {
                    claimed = await OutboxRowReader.ReadClaimedAsync(reader, claim!.Value, cancellationToken).ConfigureAwait(false);
                }
                else if (statement.Kind == OutboxStatementKind.WindowCount && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    window = reader.GetInt64(0);
                }
                else if (statement.Kind == OutboxStatementKind.Ids)
                {
                    ids = await ReadIdsAsync(reader, cancellationToken).ConfigureAwait(false);
                }

                more = await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int applied = 0;
        for (int i = 0; i < statements.Count; i++)
        {
            applied += statements[i].Kind == OutboxStatementKind.Outcome ? Math.Max(batch.BatchCommands[i].RecordsAffected, 0) : 0;
        }

        return new(applied, claimed, window, ids);
    }

    private static bool ReturnsRows(OutboxStatement statement) =>
        statement.Kind is OutboxStatementKind.Claim or OutboxStatementKind.SkippedResult or OutboxStatementKind.WindowCount or OutboxStatementKind.Ids;

    private static async Task<List<Guid>> ReadIdsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetFieldValue<Guid>(0));
        }

        return ids;
    }

    private DbCommand Command(OutboxStatement statement)
    {
        DbCommand command = context.Database.GetDbConnection().CreateCommand();
        command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = statement.Text;
        foreach (OutboxParameter parameter in statement.Parameters)
        {
            command.Parameters.Add(sql.Parameters.Create(command, parameter));
        }

        return command;
    }
}
