using System.Data.Common;

namespace Outbox.EntityFrameworkCore;

/// <summary>SQLite: one writer at a time, so a plain <c>UPDATE … RETURNING</c> claims atomically.</summary>
internal sealed class SqliteOutboxDialect : OutboxSqlDialect
{
    public override string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public override string Claim(OutboxTable t, bool preserveKeyOrder, bool relaxedCommit) =>
        $"""
        UPDATE {t.Name} SET {t.Status} = {Publish}, {t.LeaseOwner} = @owner, {t.LeaseExpiresAt} = @lease, {t.PublishedAt} = @now
        WHERE {t.Id} IN (SELECT c.{t.Id} FROM {t.Name} AS c WHERE {Claimable(t, preserveKeyOrder)} ORDER BY c.{t.Id} LIMIT @batch)
        RETURNING {t.ClaimedColumns(string.Empty)}
        """;

    public override IEnumerable<Action<DbCommand>> RecordOutcomes(OutboxTable t, string leaseOwner, IReadOnlyList<OutboxOutcome> outcomes, OutboxParameters parameters, bool deleteCompleted, bool relaxedCommit) =>
        StatementPerOutcome(t, leaseOwner, outcomes, parameters, deleteCompleted, perCommand: 1000);

    public override string DeleteCompleted(OutboxTable t) =>
        $"DELETE FROM {t.Name} WHERE {t.Id} IN (SELECT {t.Id} FROM {t.Name} WHERE {t.Status} = {Complete} AND {t.CompletedAt} < @before LIMIT @batch)";
}
