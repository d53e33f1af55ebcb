using Outbox.EntityFrameworkCore.Model;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Sql;

/// <summary>
/// PostgreSQL: claims serialized by a transaction-level advisory lock taken by its own statement
/// (so the claim's snapshot is taken after the previous claim committed), <c>FOR UPDATE SKIP
/// LOCKED</c>, array parameters so a batch's outcomes are one statement per group of equal values,
/// and the whole call as one Npgsql batch: one round trip, one implicit transaction.
/// </summary>
internal sealed class PostgreSqlOutboxDialect : OutboxSqlDialect
{
    public override string Now => OutboxDatabase.PostgreSql.Now;

    public override bool BatchesStatements => true;

    // An uncorrelated sub-select runs once per statement (an InitPlan); set_config(…, true) lasts
    // until the statement's own transaction ends, so the application's commits keep their setting.
    protected override string RelaxedCommit => "(SELECT set_config('synchronous_commit', 'off', true)) = 'off'";

    public override string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public override string NowPlus(string parameter) => $"now() + @{parameter}";

    public override OutboxParameter Duration(string name, TimeSpan value) => OutboxParameter.Of(name, value); // an interval

    public override IReadOnlyList<OutboxStatement> Bookkeeping(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim? claim, bool deleteCompleted, bool relaxedCommit)
    {
        string relaxed = AndRelaxedCommit(relaxedCommit);
        List<OutboxStatement> statements = Outcomes(t, outcomes, deleteCompleted, relaxed);
        if (claim is { } next)
        {
            statements.Add(Lock(t));
            if (next.PreserveKeyOrder)
            {
                statements.Add(new OutboxStatement(
                    $"SELECT count(*) FROM (SELECT 1 FROM {t.Name} AS w WHERE w.{t.Status} < {Complete} AND {NotInFlight(t, "w")} ORDER BY w.{t.Sequence} LIMIT @window) AS w",
                    [OutboxParameter.Of("window", ClaimWindow(next))],
                    OutboxStatementKind.WindowCount));
            }

            string window = next.PreserveKeyOrder
                ? InWindow(t, $"SELECT u.{t.Id} AS id, u.{t.Key} AS k, u.{t.Sequence} AS pos, u.{t.PublishedAt} AS pub FROM {t.Name} AS u WHERE u.{t.Status} < {Complete} AND {NotInFlight(t, "u")} ORDER BY u.{t.Sequence} LIMIT @window")
                : string.Empty;
            statements.Add(ClaimStatement(t, next, string.Empty, window, relaxed));
        }

        return statements;
    }

    // The lock serializes the decision with claims: a claim that has not committed yet cannot
    // leave a key with a message in flight that this query does not see.
    public override IReadOnlyList<OutboxStatement> AdmitOwned(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, OutboxOwnedClaim claim, bool deleteCompleted, bool relaxedCommit)
    {
        List<OutboxStatement> statements = Outcomes(t, outcomes, deleteCompleted, AndRelaxedCommit(relaxedCommit));
        if (claim.MessageIds.Count > 0)
        {
            statements.Add(Lock(t));
            statements.Add(new OutboxStatement(
                $"SELECT m.{t.Id} FROM {t.Name} AS m WHERE m.{t.Id} = ANY(@owned) AND m.{t.Status} = {Publish} AND m.{t.LeaseOwner} = @owner AND {Admissible(t, "m")} ORDER BY m.{t.Sequence}",
                [OutboxParameter.Of("owned", claim.MessageIds.ToArray()), OutboxParameter.Of("owner", claim.LeaseOwner)],
                OutboxStatementKind.Ids));
        }

        return statements;
    }

    public override OutboxStatement ReleaseOwned(OutboxTable t, string leaseOwner, IReadOnlyList<Guid> ids, bool relaxedCommit) => new(
        $"UPDATE {t.Name} SET {ReleaseSet(t)} WHERE {t.Id} = ANY(@ids) AND {t.Status} = {Publish} AND {t.LeaseOwner} = @owner{AndRelaxedCommit(relaxedCommit)} RETURNING {t.Id}",
        [OutboxParameter.Of("ids", ids.ToArray()), OutboxParameter.Of("owner", leaseOwner)],
        OutboxStatementKind.Ids);

    /// <summary>The outcome statements: completions deleted or updated, the rest updated, grouped by the values they write.</summary>
    private List<OutboxStatement> Outcomes(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, bool deleteCompleted, string relaxed)
    {
        var statements = new List<OutboxStatement>();
        IEnumerable<OutboxOutcome> updates = outcomes;
        if (deleteCompleted)
        {
            foreach (IGrouping<string, OutboxOutcome> done in outcomes.Where(o => o.Status == OutboxStatus.Complete).GroupBy(o => o.LeaseOwner, StringComparer.Ordinal))
            {
                statements.Add(new OutboxStatement(
                    $"DELETE FROM {t.Name} WHERE {t.Id} = ANY(@ids) AND {t.Status} = {Publish} AND {t.LeaseOwner} = @owner{relaxed}",
                    [OutboxParameter.Of("owner", done.Key), OutboxParameter.Of("ids", done.Select(o => o.MessageId).ToArray())],
                    OutboxStatementKind.Outcome));
            }

            updates = outcomes.Where(o => o.Status != OutboxStatus.Complete);
        }

        // Grouped by the values they write, each group found by id = ANY(@ids): no join. Joined
        // against unnest(...), statistics taken while no row was PUBLISH made the planner expect one
        // row and rescan the array for every row it updated (measured: 75 ms instead of 5 for 500).
        foreach (IGrouping<OutboxOutcome, OutboxOutcome> group in updates.GroupBy(StoredValues))
        {
            var parameters = new List<OutboxParameter> { OutboxParameter.Of("owner", group.Key.LeaseOwner), OutboxParameter.Of("ids", group.Select(o => o.MessageId).ToArray()) };
            string set = OutcomeSet(t, group.Key, string.Empty, parameters);
            statements.Add(new OutboxStatement(
                $"UPDATE {t.Name} SET {set} WHERE {t.Id} = ANY(@ids) AND {t.Status} = {Publish} AND {t.LeaseOwner} = @owner{relaxed}",
                parameters,
                OutboxStatementKind.Outcome));
        }

        return statements;
    }

    public override IReadOnlyList<OutboxStatement> HeadsClaim(OutboxTable t, OutboxClaim claim, bool relaxedCommit) =>
    [
        Lock(t),
        ClaimStatement(
            t,
            claim,
            $"""
            WITH RECURSIVE keys AS (
                SELECT (SELECT k.{t.Key} FROM {t.Name} AS k WHERE k.{t.Status} < {Complete} AND k.{t.Key} IS NOT NULL ORDER BY k.{t.Key} LIMIT 1) AS key
                UNION ALL
                SELECT (SELECT k.{t.Key} FROM {t.Name} AS k WHERE k.{t.Status} < {Complete} AND k.{t.Key} > keys.key ORDER BY k.{t.Key} LIMIT 1)
                FROM keys WHERE keys.key IS NOT NULL),
            candidates AS (
                SELECT (SELECT h.{t.Id} FROM {t.Name} AS h WHERE h.{t.Key} = keys.key AND h.{t.Status} < {Complete} AND h.{t.Sequence} = (SELECT MIN(m.{t.Sequence}) FROM {t.Name} AS m WHERE m.{t.Key} = keys.key AND m.{t.Status} < {Complete})) AS id FROM keys WHERE keys.key IS NOT NULL
                UNION ALL
                SELECT a.{t.Id} FROM {t.Name} AS a WHERE a.{t.Status} < {Complete} AND a.{t.PublishedAt} IS NOT NULL AND a.{t.Key} IS NOT NULL
                UNION ALL
                (SELECT n.{t.Id} FROM {t.Name} AS n WHERE {Due(t, "n")} AND n.{t.Key} IS NULL ORDER BY n.{t.Sequence} LIMIT @batch))

            """,
            $"c.{t.Id} IN (SELECT id FROM candidates) AND ",
            AndRelaxedCommit(relaxedCommit)),
    ];

    public override OutboxStatement DeleteFinished(OutboxTable t, OutboxStatus status, TimeSpan retention, int limit)
    {
        CheckFinal(status);
        return new(
            $"""
            DELETE FROM {t.Name} WHERE {t.Id} IN (
                SELECT {t.Id} FROM {t.Name} WHERE {t.Status} = {(int)status} AND {t.CompletedAt} < now() - @retention
                LIMIT @batch FOR UPDATE SKIP LOCKED)
            """,
            [Duration("retention", retention), OutboxParameter.Of("batch", limit)]);
    }

    public override OutboxStatement Confirm(OutboxTable t, IReadOnlyList<Guid> ids, bool deleteCompleted) => new(
        deleteCompleted
            ? $"DELETE FROM {t.Name} WHERE {t.Id} = ANY(@ids) AND {t.Status} = {Publish}"
            : $"UPDATE {t.Name} SET {t.Status} = {Complete}, {t.CompletedAt} = now(), {t.LeaseOwner} = NULL, {t.LeaseExpiresAt} = NULL WHERE {t.Id} = ANY(@ids) AND {t.Status} = {Publish}",
        [OutboxParameter.Of("ids", ids.ToArray())]);

    public override OutboxStatement Requeue(OutboxTable t, IReadOnlyList<Guid> ids) => new(
        $"UPDATE {t.Name} SET {t.Status} = {Init}, {t.Attempts} = 0, {t.NextAttemptAt} = now(), {t.CompletedAt} = NULL WHERE {t.Id} = ANY(@ids) AND {t.Status} = {Dead}",
        [OutboxParameter.Of("ids", ids.ToArray())]);

    private static OutboxStatement Lock(OutboxTable t) => new($"SELECT pg_advisory_xact_lock({ClaimLockId(t)})", [], OutboxStatementKind.SkippedResult);

    /// <summary>The claim UPDATE: <paramref name="with"/> a CTE prefix, <paramref name="candidates"/> a condition that narrows the rows looked at.</summary>
    private OutboxStatement ClaimStatement(OutboxTable t, OutboxClaim claim, string with, string candidates, string relaxed) => new(
        $"""
        {with}UPDATE {t.Name} AS o SET {ClaimSet(t, "lease")}
        FROM (SELECT c.{t.Id} FROM {t.Name} AS c
              WHERE {candidates}{Claimable(t, claim.PreserveKeyOrder)}
              ORDER BY c.{t.Sequence} LIMIT @batch FOR UPDATE SKIP LOCKED) AS s
        WHERE o.{t.Id} = s.{t.Id}{relaxed}
        RETURNING {t.ClaimedColumns("o")}
        """,
        ClaimParameters(claim),
        OutboxStatementKind.Claim);

    /// <summary>The advisory lock's key: a stable 64-bit hash of the table's name, so each outbox table has its own claim lock.</summary>
    internal static long ClaimLockId(OutboxTable t)
    {
        ulong hash = 14695981039346656037;
        foreach (char c in "outbox-claim:" + t.UnquotedName)
        {
            hash = (hash ^ c) * 1099511628211;
        }

        return unchecked((long)hash);
    }
}
