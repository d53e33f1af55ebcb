using System.Globalization;

namespace Outbox.EntityFrameworkCore;

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
        var statements = new List<OutboxStatement>();
        foreach (OutboxOutcome outcome in outcomes)
        {
            var parameters = new List<OutboxParameter> { OutboxParameter.Of("owner", outcome.LeaseOwner), OutboxParameter.Of("id", outcome.MessageId) };
            string condition = $"WHERE {t.Id} = @id AND {t.Status} = {Publish} AND {t.LeaseOwner} = @owner";
            statements.Add(deleteCompleted && outcome.Status == OutboxStatus.Complete
                ? new OutboxStatement($"DELETE FROM {t.Name} {condition}", parameters, OutboxStatementKind.Outcome)
                : new OutboxStatement($"UPDATE {t.Name} SET {OutcomeSet(t, outcome, string.Empty, parameters)} {condition}", parameters, OutboxStatementKind.Outcome));
        }

        if (claim is { } next)
        {
            statements.Add(new OutboxStatement(
                $"""
                UPDATE {t.Name} SET {ClaimSet(t, "lease")}
                WHERE {t.Id} IN (SELECT c.{t.Id} FROM {t.Name} AS c WHERE {Claimable(t, next.PreserveKeyOrder)} ORDER BY c.{t.Sequence} LIMIT @batch)
                RETURNING {t.ClaimedColumns(string.Empty)}
                """,
                ClaimParameters(next),
                OutboxStatementKind.Claim));
        }

        return statements;
    }

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

    private static string Ids(IReadOnlyList<Guid> ids) => ids.Count == 0 ? "NULL" : string.Join(", ", Enumerable.Range(0, ids.Count).Select(i => "@i" + i.ToString(CultureInfo.InvariantCulture)));

    private static OutboxParameter[] IdParameters(IReadOnlyList<Guid> ids) => ids.Select((id, i) => OutboxParameter.Of("i" + i.ToString(CultureInfo.InvariantCulture), id)).ToArray();
}
