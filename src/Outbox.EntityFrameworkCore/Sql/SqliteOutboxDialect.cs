using System.Globalization;
using Outbox.EntityFrameworkCore.Model;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Sql;

/// <summary>
/// SQLite: one writer at a time, so a plain <c>UPDATE … RETURNING</c> claims atomically and claims
/// are serialized by the database itself. The position is the rowid: with one writer at a time,
/// rows get their rowids in commit order. Times are text in EF Core's format, UTC.
/// </summary>
internal sealed class SqliteOutboxDialect : OutboxSqlDialect
{
    public override string Now => OutboxDatabase.Sqlite.Now;

    public override string? ImplicitSequence => "rowid";

    public override string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public override string NowPlus(string parameter) => $"strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', @{parameter})";

    public override OutboxParameter Duration(string name, TimeSpan value) =>
        OutboxParameter.Of(name, value.TotalSeconds.ToString("+0.000;-0.000", CultureInfo.InvariantCulture) + " seconds"); // a date modifier

    public override IReadOnlyList<OutboxStatement> Bookkeeping(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim? claim, bool deleteCompleted, bool relaxedCommit)
    {
        List<OutboxStatement> statements = Outcomes(t, outcomes, deleteCompleted);
        if (claim is { } next)
        {
            if (next.PreserveKeyOrder)
            {
                statements.Add(new OutboxStatement(
                    $"SELECT count(*) FROM (SELECT 1 FROM {t.Name} AS w WHERE w.{t.Status} < {Complete} AND {NotInFlight(t, "w")} ORDER BY w.{t.Sequence} LIMIT @window)",
                    [OutboxParameter.Of("window", ClaimWindow(next))],
                    OutboxStatementKind.WindowCount));
            }

            string window = next.PreserveKeyOrder
                ? InWindow(t, $"SELECT u.{t.Id} AS id, u.{t.Key} AS k, u.{t.Sequence} AS pos, u.{t.PublishedAt} AS pub FROM {t.Name} AS u WHERE u.{t.Status} < {Complete} AND {NotInFlight(t, "u")} ORDER BY u.{t.Sequence} LIMIT @window")
                : string.Empty;
            statements.Add(ClaimStatement(t, next, string.Empty, window));
        }

        return statements;
    }

    // In the store's transaction (BEGIN IMMEDIATE): the one writer at a time, as claims are.
    public override IReadOnlyList<OutboxStatement> AdmitOwned(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, OutboxOwnedClaim claim, bool deleteCompleted, bool relaxedCommit)
    {
        List<OutboxStatement> statements = Outcomes(t, outcomes, deleteCompleted);
        if (claim.MessageIds.Count > 0)
        {
            statements.Add(new OutboxStatement(
                $"SELECT m.{t.Id} FROM {t.Name} AS m WHERE m.{t.Id} IN ({Ids(claim.MessageIds)}) AND m.{t.Status} = {Publish} AND m.{t.LeaseOwner} = @owner AND {Admissible(t, "m")} ORDER BY m.{t.Sequence}",
                [.. IdParameters(claim.MessageIds), OutboxParameter.Of("owner", claim.LeaseOwner)],
                OutboxStatementKind.Ids));
        }

        return statements;
    }

    public override OutboxStatement ReleaseOwned(OutboxTable t, string leaseOwner, IReadOnlyList<Guid> ids, bool relaxedCommit) => new(
        $"UPDATE {t.Name} SET {ReleaseSet(t)} WHERE {t.Id} IN ({Ids(ids)}) AND {t.Status} = {Publish} AND {t.LeaseOwner} = @owner RETURNING {t.Id}",
        [.. IdParameters(ids), OutboxParameter.Of("owner", leaseOwner)],
        OutboxStatementKind.Ids);

    /// <summary>One statement per outcome (SQLite has no array parameters; the statements run in one transaction).</summary>
    private List<OutboxStatement> Outcomes(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, bool deleteCompleted)
    {
        var statements = new List<OutboxStatement>();
        foreach (OutboxOutcome outcome in outcomes)
        {
            var parameters = new List<OutboxParameter> { OutboxParameter.Of("owner", outcome.LeaseOwner), OutboxParameter.Of("id", outcome.MessageId) };
            string condition = $"WHERE {t.Id} = @id AND {t.Status} = {Publish} AND {t.LeaseOwner} = @owner";
            statements.Add(deleteCompleted && outcome.Status == OutboxStatus.Complete
                ? new OutboxStatement($"DELETE FROM {t.Name} {condition}", parameters, OutboxStatementKind.Outcome)
                : new OutboxStatement($"UPDATE {t.Name} SET {OutcomeSet(t, outcome, string.Empty, parameters)} {condition}", parameters, OutboxStatementKind.Outcome));
        }

        return statements;
    }

    public override IReadOnlyList<OutboxStatement> HeadsClaim(OutboxTable t, OutboxClaim claim, bool relaxedCommit) =>
    [
        ClaimStatement(
            t,
            claim,
            $"""
            WITH RECURSIVE keys(key) AS (
                SELECT (SELECT k.{t.Key} FROM {t.Name} AS k WHERE k.{t.Status} < {Complete} AND k.{t.Key} IS NOT NULL ORDER BY k.{t.Key} LIMIT 1)
                UNION ALL
                SELECT (SELECT k.{t.Key} FROM {t.Name} AS k WHERE k.{t.Status} < {Complete} AND k.{t.Key} > keys.key ORDER BY k.{t.Key} LIMIT 1)
                FROM keys WHERE keys.key IS NOT NULL),
            candidates(id) AS (
                SELECT (SELECT h.{t.Id} FROM {t.Name} AS h WHERE h.{t.Key} = keys.key AND h.{t.Status} < {Complete} AND h.{t.Sequence} = (SELECT MIN(m.{t.Sequence}) FROM {t.Name} AS m WHERE m.{t.Key} = keys.key AND m.{t.Status} < {Complete})) FROM keys WHERE keys.key IS NOT NULL
                UNION ALL
                SELECT a.{t.Id} FROM {t.Name} AS a WHERE a.{t.Status} < {Complete} AND a.{t.PublishedAt} IS NOT NULL AND a.{t.Key} IS NOT NULL
                UNION ALL
                SELECT * FROM (SELECT n.{t.Id} FROM {t.Name} AS n WHERE {Due(t, "n")} AND n.{t.Key} IS NULL ORDER BY n.{t.Sequence} LIMIT @batch))

            """,
            $"c.{t.Id} IN (SELECT id FROM candidates) AND "),
    ];

    public override OutboxStatement DeleteFinished(OutboxTable t, OutboxStatus status, TimeSpan retention, int limit)
    {
        CheckFinal(status);
        return new(
            $"DELETE FROM {t.Name} WHERE {t.Id} IN (SELECT {t.Id} FROM {t.Name} WHERE {t.Status} = {(int)status} AND {t.CompletedAt} < {NowPlus("retention")} LIMIT @batch)",
            [Duration("retention", -retention), OutboxParameter.Of("batch", limit)]);
    }

    public override OutboxStatement Confirm(OutboxTable t, IReadOnlyList<Guid> ids, bool deleteCompleted) => new(
        deleteCompleted
            ? $"DELETE FROM {t.Name} WHERE {t.Id} IN ({Ids(ids)}) AND {t.Status} = {Publish}"
            : $"UPDATE {t.Name} SET {t.Status} = {Complete}, {t.CompletedAt} = {Now}, {t.LeaseOwner} = NULL, {t.LeaseExpiresAt} = NULL WHERE {t.Id} IN ({Ids(ids)}) AND {t.Status} = {Publish}",
        IdParameters(ids));

    public override OutboxStatement Requeue(OutboxTable t, IReadOnlyList<Guid> ids) => new(
        $"UPDATE {t.Name} SET {t.Status} = {Init}, {t.Attempts} = 0, {t.NextAttemptAt} = {Now}, {t.CompletedAt} = NULL WHERE {t.Id} IN ({Ids(ids)}) AND {t.Status} = {Dead}",
        IdParameters(ids));

    private OutboxStatement ClaimStatement(OutboxTable t, OutboxClaim claim, string with, string candidates) => new(
        $"""
        {with}UPDATE {t.Name} SET {ClaimSet(t, "lease")}
        WHERE {t.Id} IN (SELECT c.{t.Id} FROM {t.Name} AS c WHERE {candidates}{Claimable(t, claim.PreserveKeyOrder)} ORDER BY c.{t.Sequence} LIMIT @batch)
        RETURNING {t.ClaimedColumns(string.Empty)}
        """,
        ClaimParameters(claim),
        OutboxStatementKind.Claim);

    private static string Ids(IReadOnlyList<Guid> ids) => ids.Count == 0 ? "NULL" : string.Join(", ", Enumerable.Range(0, ids.Count).Select(i => "@i" + i.ToString(CultureInfo.InvariantCulture)));

    private static OutboxParameter[] IdParameters(IReadOnlyList<Guid> ids) => ids.Select((id, i) => OutboxParameter.Of("i" + i.ToString(CultureInfo.InvariantCulture), id)).ToArray();
}
