using System.Globalization;
using System.Text;

namespace Outbox.EntityFrameworkCore;

/// <summary>
/// The SQL the store runs, per database, as statements (text and parameter values); the store
/// executes them. Every update names the status it expects the row to be in (from
/// <see cref="OutboxStateMachine"/>) and, for claimed rows, the lease owner. Order is the
/// database-assigned position (<see cref="OutboxTable.Sequence"/>); "now" is the database's clock.
/// </summary>
internal abstract class OutboxSqlDialect
{
    protected static readonly int Init = (int)OutboxStatus.Init;
    protected static readonly int Publish = (int)OutboxStatus.Publish;
    protected static readonly int Complete = (int)OutboxStatus.Complete;
    protected static readonly int Dead = (int)OutboxStatus.Dead;

    /// <summary>Gets the SQL for the database's current time, in the type the time columns hold.</summary>
    public abstract string Now { get; }

    /// <summary>Gets the position expression when the table has no position column (SQLite's rowid), or <see langword="null"/>.</summary>
    public virtual string? ImplicitSequence => null;

    /// <summary>Gets whether a bookkeeping call's statements go to the database as one batch (one round trip, one implicit transaction); otherwise they run in turn in a transaction.</summary>
    public virtual bool BatchesStatements => false;

    /// <summary>Gets the most rows one claim statement takes (SQL Server stays under lock escalation).</summary>
    public virtual int MaxClaimBatch => int.MaxValue;

    public abstract string Quote(string identifier);

    /// <summary>The SQL for the database's now plus <paramref name="parameter"/> (a duration in <see cref="Duration"/>'s form).</summary>
    public abstract string NowPlus(string parameter);

    /// <summary>A duration as this dialect's parameter value (an interval, milliseconds, or a date modifier).</summary>
    public abstract OutboxParameter Duration(string name, TimeSpan value);

    /// <summary>
    /// The statements of one relay bookkeeping call: the outcomes, then the claim when given.
    /// Claims are serialized across relays (a lock the claim's statement waits for), so that a claim
    /// always sees what the claim before it committed and two claims never pick two messages of one key.
    /// </summary>
    /// <param name="t">The table.</param>
    /// <param name="outcomes">The outcomes to record first, possibly none.</param>
    /// <param name="claim">The claim that follows, or <see langword="null"/>.</param>
    /// <param name="deleteCompleted">Whether completed messages are deleted instead of kept until retention.</param>
    /// <param name="relaxedCommit">Whether the statements run in a transaction of their own, so they may commit without waiting for the log flush (see <see cref="RelaxedCommit"/>).</param>
    public abstract IReadOnlyList<OutboxStatement> Bookkeeping(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim? claim, bool deleteCompleted, bool relaxedCommit);

    /// <summary>Deletes at most <paramref name="limit"/> rows of a final status that reached it more than <paramref name="retention"/> ago, in one short statement.</summary>
    public abstract OutboxStatement DeleteFinished(OutboxTable t, OutboxStatus status, TimeSpan retention, int limit);

    /// <summary>Moves PUBLISH messages to COMPLETE (or deletes them) whoever holds their lease: a confirmation consumer read them back.</summary>
    public abstract OutboxStatement Confirm(OutboxTable t, IReadOnlyList<Guid> ids, bool deleteCompleted);

    /// <summary>Moves DEAD messages back to INIT, due now, attempts reset; they keep their position.</summary>
    public abstract OutboxStatement Requeue(OutboxTable t, IReadOnlyList<Guid> ids);

    // COUNT(*) is an int on SQL Server, which the reader's GetInt64 refuses there: the cast makes it a bigint everywhere.
    public static OutboxStatement Summary(OutboxTable t) =>
        new($"SELECT {t.Status}, CAST(COUNT(*) AS bigint), MIN({t.CreatedAt}) FROM {t.Name} GROUP BY {t.Status}", []);

    /// <summary>
    /// A condition that is always true and makes the statement's own transaction commit without
    /// waiting for the log flush, or <see langword="null"/> where the database has no such switch.
    /// Only for the relay's bookkeeping, never for the application's writes: losing the last
    /// claims or outcomes in a database crash sends those messages again; it never loses one,
    /// because the INIT row was committed durably by the application's transaction.
    /// </summary>
    protected virtual string? RelaxedCommit => null;

    /// <summary><c> AND </c><see cref="RelaxedCommit"/> when asked for and available; otherwise empty.</summary>
    protected string AndRelaxedCommit(bool relaxedCommit) => relaxedCommit && RelaxedCommit is { } condition ? " AND " + condition : string.Empty;

    /// <summary>
    /// The due-and-claimable condition on alias <c>c</c>, shared by every dialect. With key order, a
    /// message is claimable only when no other unfinished message of its key comes before it, in
    /// this order: messages already claimed once (<c>published_at</c> set) by their position, then
    /// messages never claimed by their position. So at most one message per key is in flight,
    /// whatever the ids, and a message is never overtaken by one whose transaction committed after
    /// it was first claimed (its position is lower only because that transaction inserted first).
    /// </summary>
    /// <param name="t">The table.</param>
    /// <param name="preserveKeyOrder">Whether to apply the per-key rule.</param>
    /// <param name="probeHint">A table hint for the per-key probes (SQL Server's READPAST), or empty.</param>
    protected string Claimable(OutboxTable t, bool preserveKeyOrder, string probeHint = "")
    {
        OutboxStateMachine.EnsureTransition(OutboxStatus.Init, OutboxStatus.Publish);
        OutboxStateMachine.EnsureTransition(OutboxStatus.Publish, OutboxStatus.Publish);
        var sql = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"c.{t.Status} < {Complete} AND ((c.{t.Status} = {Init} AND c.{t.NextAttemptAt} <= {Now}) OR (c.{t.Status} = {Publish} AND c.{t.LeaseExpiresAt} <= {Now}))");
        if (preserveKeyOrder)
        {
            // Claimed-before messages of the key (few: in flight or waiting for a retry; their own index):
            // one in flight blocks every other; any blocks one never claimed; a lower position blocks the rest.
            sql.Append(CultureInfo.InvariantCulture, $" AND (c.{t.Key} IS NULL OR (")
                .Append(CultureInfo.InvariantCulture, $"NOT EXISTS (SELECT 1 FROM {t.Name} AS p{probeHint} WHERE p.{t.Key} = c.{t.Key} AND p.{t.Status} < {Complete} AND p.{t.PublishedAt} IS NOT NULL AND p.{t.Id} <> c.{t.Id}")
                .Append(CultureInfo.InvariantCulture, $" AND ((p.{t.Status} = {Publish} AND p.{t.LeaseExpiresAt} > {Now}) OR c.{t.PublishedAt} IS NULL OR p.{t.Sequence} < c.{t.Sequence}))")
                // Never-claimed messages of the key wait for every one of it with a lower position.
                .Append(CultureInfo.InvariantCulture, $" AND (c.{t.PublishedAt} IS NOT NULL OR NOT EXISTS (SELECT 1 FROM {t.Name} AS e{probeHint} WHERE e.{t.Key} = c.{t.Key} AND e.{t.Status} < {Complete} AND e.{t.Sequence} < c.{t.Sequence}))))");
        }

        return sql.ToString();
    }

    /// <summary>The claim's SET list (without SET): PUBLISH under the claim's lease, the first claim's time kept, one more attempt for a message taken over from an expired lease.</summary>
    protected string ClaimSet(OutboxTable t, string leaseParameter) =>
        $"{t.Status} = {Publish}, {t.LeaseOwner} = @owner, {t.LeaseExpiresAt} = {NowPlus(leaseParameter)}, {t.PublishedAt} = COALESCE({t.PublishedAt}, {Now}), " +
        $"{t.Attempts} = {t.Attempts} + CASE WHEN {t.Status} = {Publish} THEN 1 ELSE 0 END";

    /// <summary>The claim's parameters (<c>@owner</c>, <c>@lease</c>, <c>@batch</c>).</summary>
    protected OutboxParameter[] ClaimParameters(OutboxClaim claim) =>
    [
        OutboxParameter.Of("owner", claim.LeaseOwner),
        Duration("lease", claim.LeaseDuration),
        OutboxParameter.Of("batch", Math.Min(claim.BatchSize, MaxClaimBatch)),
    ];

    /// <summary>The SET list for one group of outcomes with equal values: status, attempts, error, and the due or finish time on the database's clock.</summary>
    protected string OutcomeSet(OutboxTable t, OutboxOutcome values, string n, List<OutboxParameter> parameters)
    {
        parameters.Add(OutboxParameter.Of("s" + n, (int)values.Status));
        parameters.Add(OutboxParameter.Of("a" + n, values.Attempts));
        parameters.Add(OutboxParameter.Of<string?>("e" + n, values.LastError));
        string time = values.Status switch
        {
            OutboxStatus.Init => $"{t.NextAttemptAt} = {NowPlus("r" + n)}",
            OutboxStatus.Complete or OutboxStatus.Dead => $"{t.CompletedAt} = {Now}",
            _ => throw new InvalidOperationException($"An outcome cannot move a message to {values.Status}."),
        };
        if (values.Status == OutboxStatus.Init)
        {
            parameters.Add(Duration("r" + n, values.RetryAfter));
        }

        return $"{t.Status} = @s{n}, {t.Attempts} = @a{n}, {t.LastError} = COALESCE(@e{n}, {t.LastError}), {time}, {t.LeaseOwner} = NULL, {t.LeaseExpiresAt} = NULL";
    }

    /// <summary>What an outcome writes, without its message: outcomes with equal values share one statement.</summary>
    protected static OutboxOutcome StoredValues(OutboxOutcome outcome) =>
        outcome with { MessageId = Guid.Empty, RetryAfter = outcome.Status == OutboxStatus.Init ? outcome.RetryAfter : TimeSpan.Zero };

    /// <summary>Throws unless <paramref name="status"/> is one retention deletes.</summary>
    protected static void CheckFinal(OutboxStatus status)
    {
        if (status is not (OutboxStatus.Complete or OutboxStatus.Dead))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "Only COMPLETE and DEAD messages are deleted by retention.");
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
