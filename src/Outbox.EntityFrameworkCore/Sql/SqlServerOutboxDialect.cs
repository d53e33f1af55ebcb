using System.Data.Common;

namespace Outbox.EntityFrameworkCore;

/// <summary>
/// SQL Server: <c>UPDLOCK, ROWLOCK, READPAST</c> under READ COMMITTED (never SERIALIZABLE: its
/// key-range locks would block other relays). Runs only where a server is configured.
/// </summary>
internal sealed class SqlServerOutboxDialect : OutboxSqlDialect
{
    public override string Quote(string identifier) => "[" + identifier.Replace("]", "]]", StringComparison.Ordinal) + "]";

    public override string Claim(OutboxTable t, bool preserveKeyOrder, bool relaxedCommit) =>
        $"""
        WITH c AS (
            SELECT TOP (@batch) * FROM {t.Name} AS c WITH (UPDLOCK, ROWLOCK, READPAST)
            WHERE {Claimable(t, preserveKeyOrder)}
            ORDER BY c.{t.Id})
        UPDATE c SET {t.Status} = {Publish}, {t.LeaseOwner} = @owner, {t.LeaseExpiresAt} = @lease, {t.PublishedAt} = @now
        OUTPUT {t.ClaimedColumns("inserted")};
        """;

    // 7 parameters per statement, 2,100 per command at most.
    public override IEnumerable<Action<DbCommand>> RecordOutcomes(OutboxTable t, string leaseOwner, IReadOnlyList<OutboxOutcome> outcomes, OutboxParameters parameters, bool deleteCompleted, bool relaxedCommit) =>
        StatementPerOutcome(t, leaseOwner, outcomes, parameters, deleteCompleted, perCommand: 290);

    // Small batches and READPAST: no lock escalation, no waiting on the relay's locks.
    public override string DeleteCompleted(OutboxTable t) =>
        $"DELETE TOP (@batch) FROM {t.Name} WITH (ROWLOCK, READPAST) WHERE {t.Status} = {Complete} AND {t.CompletedAt} < @before";
}
