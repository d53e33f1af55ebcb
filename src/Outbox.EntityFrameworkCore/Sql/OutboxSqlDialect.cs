using System.Data.Common;
using System.Globalization;
using System.Text;

namespace Outbox.EntityFrameworkCore;

/// <summary>
/// The SQL the store runs, per database. Every update names the status it expects the row to be
/// in (from <see cref="OutboxStateMachine"/>) and, for claimed rows, the lease owner.
/// Parameters: <c>@owner</c>, <c>@now</c>, <c>@lease</c>, <c>@batch</c>.
/// </summary>
internal abstract class OutboxSqlDialect
{
    protected static readonly int Init = (int)OutboxStatus.Init;
    protected static readonly int Publish = (int)OutboxStatus.Publish;
    protected static readonly int Complete = (int)OutboxStatus.Complete;

    public abstract string Quote(string identifier);

    /// <summary>Claims due rows (INIT and due, or PUBLISH with an expired lease) and returns <see cref="OutboxTable.ClaimedColumns"/>.</summary>
    /// <remarks>
    /// With <paramref name="relaxedCommit"/> the statement, run on its own (autocommit), may commit
    /// without waiting for its log flush where the database allows it (see <see cref="RelaxedCommit"/>).
    /// </remarks>
    public abstract string Claim(OutboxTable t, bool preserveKeyOrder, bool relaxedCommit);

    /// <summary>The commands (usually one) that record <paramref name="outcomes"/>, each as an action that fills a command.</summary>
    /// <remarks>
    /// With <paramref name="deleteCompleted"/>, completed messages are deleted instead of kept until retention.
    /// <paramref name="relaxedCommit"/> as for <see cref="Claim"/>.
    /// </remarks>
    public abstract IEnumerable<Action<DbCommand>> RecordOutcomes(OutboxTable t, string leaseOwner, IReadOnlyList<OutboxOutcome> outcomes, OutboxParameters parameters, bool deleteCompleted, bool relaxedCommit);

    /// <summary>
    /// A condition that is always true and makes the statement's own transaction commit without
    /// waiting for the log flush, or <see langword="null"/> where the database has no such switch.
    /// Only for the relay's bookkeeping, never for the application's writes: losing the last
    /// claims or outcomes in a database crash sends those messages again; it never loses one,
    /// because the INIT row was committed durably by the application's transaction.
    /// </summary>
    protected virtual string? RelaxedCommit => null;

    /// <summary>Gets whether a call's outcome statements, and the claim that may follow them, go to the database as one batch (one round trip, one implicit transaction).</summary>
    public virtual bool RunsOutcomesAsOneBatch => false;

    /// <summary><c> AND </c><see cref="RelaxedCommit"/> when asked for and available; otherwise empty.</summary>
    protected string AndRelaxedCommit(bool relaxedCommit) => relaxedCommit && RelaxedCommit is { } condition ? " AND " + condition : string.Empty;

    /// <summary>Deletes at most <c>@batch</c> COMPLETE rows completed before <c>@before</c>, in one short statement.</summary>
    public abstract string DeleteCompleted(OutboxTable t);

    public static string Summary(OutboxTable t) =>
        $"SELECT {t.Status}, COUNT(*), MIN({t.CreatedAt}) FROM {t.Name} GROUP BY {t.Status}";

    /// <summary>The due-and-claimable condition on alias <c>c</c>, shared by every dialect.</summary>
    protected static string Claimable(OutboxTable t, bool preserveKeyOrder)
    {
        OutboxStateMachine.EnsureTransition(OutboxStatus.Init, OutboxStatus.Publish);
        OutboxStateMachine.EnsureTransition(OutboxStatus.Publish, OutboxStatus.Publish);
        var sql = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"c.{t.Status} < {Complete} AND ((c.{t.Status} = {Init} AND c.{t.NextAttemptAt} <= @now) OR (c.{t.Status} = {Publish} AND c.{t.LeaseExpiresAt} <= @now))");
        if (preserveKeyOrder)
        {
            // Only the oldest unfinished message of a key: at most one per key in flight.
            sql.Append(CultureInfo.InvariantCulture, $" AND (c.{t.Key} IS NULL OR NOT EXISTS (SELECT 1 FROM {t.Name} p WHERE p.{t.Key} = c.{t.Key} AND p.{t.Status} < {Complete} AND p.{t.Id} < c.{t.Id}))");
        }

        return sql.ToString();
    }

    /// <summary>The SET list for one outcome, with parameter names suffixed by <paramref name="n"/>.</summary>
    protected static string OutcomeSet(OutboxTable t, string n) =>
        $"{t.Status} = @s{n}, {t.Attempts} = @a{n}, {t.NextAttemptAt} = CASE WHEN @s{n} = {Init} THEN @n{n} ELSE {t.NextAttemptAt} END, {t.LastError} = COALESCE(@e{n}, {t.LastError}), " +
        $"{t.CompletedAt} = CASE WHEN @s{n} = {Complete} THEN @t{n} ELSE {t.CompletedAt} END, {t.LeaseOwner} = NULL, {t.LeaseExpiresAt} = NULL";

    /// <summary>The parameters <see cref="OutcomeSet"/> names, from <paramref name="outcome"/> (its message id excluded).</summary>
    protected static void AddOutcomeValues(DbCommand command, OutboxParameters parameters, OutboxOutcome outcome, string n)
    {
        parameters.Add(command, "s" + n, (int)outcome.Status);
        parameters.Add(command, "a" + n, outcome.Attempts);
        parameters.Add(command, "n" + n, outcome.NextAttemptAt);
        parameters.Add<string?>(command, "e" + n, outcome.LastError);
        parameters.Add(command, "t" + n, outcome.At);
    }

    /// <summary>One UPDATE per outcome, conditional on PUBLISH and the owner, in commands of at most <paramref name="perCommand"/> statements.</summary>
    protected static IEnumerable<Action<DbCommand>> StatementPerOutcome(OutboxTable t, string leaseOwner, IReadOnlyList<OutboxOutcome> outcomes, OutboxParameters parameters, bool deleteCompleted, int perCommand)
    {
        for (int start = 0; start < outcomes.Count; start += perCommand)
        {
            int from = start;
            int count = Math.Min(perCommand, outcomes.Count - start);
            yield return command =>
            {
                var sql = new StringBuilder();
                parameters.Add(command, "owner", leaseOwner);
                for (int i = 0; i < count; i++)
                {
                    OutboxOutcome outcome = outcomes[from + i];
                    string n = i.ToString(CultureInfo.InvariantCulture);
                    parameters.Add(command, "i" + n, outcome.MessageId);
                    if (deleteCompleted && outcome.Status == OutboxStatus.Complete)
                    {
                        sql.Append(CultureInfo.InvariantCulture, $"DELETE FROM {t.Name} WHERE {t.Id} = @i{n} AND {t.Status} = {Publish} AND {t.LeaseOwner} = @owner;\n");
                        continue;
                    }

                    sql.Append(CultureInfo.InvariantCulture, $"UPDATE {t.Name} SET {OutcomeSet(t, n)} WHERE {t.Id} = @i{n} AND {t.Status} = {Publish} AND {t.LeaseOwner} = @owner;\n");
                    AddOutcomeValues(command, parameters, outcome, n);
                }

                command.CommandText = sql.ToString();
            };
        }
    }

    public static OutboxSqlDialect For(string? providerName) => providerName switch
    {
        "Npgsql.EntityFrameworkCore.PostgreSQL" => new PostgreSqlOutboxDialect(),
        "Microsoft.EntityFrameworkCore.Sqlite" => new SqliteOutboxDialect(),
        "Microsoft.EntityFrameworkCore.SqlServer" => new SqlServerOutboxDialect(),
        _ => throw new NotSupportedException(
            $"The outbox store supports PostgreSQL (Npgsql), SQL Server and SQLite; this DbContext uses '{providerName}'. Use one of those providers, or implement IOutboxStore for yours."),
    };
}
