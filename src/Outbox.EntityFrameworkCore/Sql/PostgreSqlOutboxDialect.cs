using System.Data.Common;

namespace Outbox.EntityFrameworkCore;

/// <summary>PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c> claims, array parameters so a batch's outcomes are one statement.</summary>
internal sealed class PostgreSqlOutboxDialect : OutboxSqlDialect
{
    public override string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    // An uncorrelated sub-select runs once per statement (an InitPlan); set_config(…, true) lasts
    // until the statement's own transaction ends, so the application's commits keep their setting.
    protected override string RelaxedCommit => "(SELECT set_config('synchronous_commit', 'off', true)) = 'off'";

    // Npgsql sends a batch with one Sync: outside a transaction PostgreSQL runs it as one.
    public override bool RecordsAndClaimsInOneBatch => true;

    public override string Claim(OutboxTable t, bool preserveKeyOrder, bool relaxedCommit) =>
        $"""
        UPDATE {t.Name} AS o SET {t.Status} = {Publish}, {t.LeaseOwner} = @owner, {t.LeaseExpiresAt} = @lease, {t.PublishedAt} = @now
        FROM (SELECT c.{t.Id} FROM {t.Name} AS c
              WHERE {Claimable(t, preserveKeyOrder)}
              ORDER BY c.{t.Id} LIMIT @batch FOR UPDATE SKIP LOCKED) AS s
        WHERE o.{t.Id} = s.{t.Id}{AndRelaxedCommit(relaxedCommit)}
        RETURNING {t.ClaimedColumns("o")}
        """;

    public override string DeleteCompleted(OutboxTable t) =>
        $"""
        DELETE FROM {t.Name} WHERE {t.Id} IN (
            SELECT {t.Id} FROM {t.Name} WHERE {t.Status} = {Complete} AND {t.CompletedAt} < @before
            LIMIT @batch FOR UPDATE SKIP LOCKED)
        """;

    public override IEnumerable<Action<DbCommand>> RecordOutcomes(OutboxTable t, string leaseOwner, IReadOnlyList<OutboxOutcome> outcomes, OutboxParameters parameters, bool deleteCompleted, bool relaxedCommit)
    {
        if (deleteCompleted)
        {
            Guid[] done = outcomes.Where(o => o.Status == OutboxStatus.Complete).Select(o => o.MessageId).ToArray();
            if (done.Length > 0)
            {
                yield return command =>
                {
                    command.CommandText = $"DELETE FROM {t.Name} WHERE {t.Id} = ANY(@ids) AND {t.Status} = {Publish} AND {t.LeaseOwner} = @owner{AndRelaxedCommit(relaxedCommit)}";
                    parameters.Add(command, "owner", leaseOwner);
                    parameters.Add(command, "ids", done);
                };
            }

            outcomes = outcomes.Where(o => o.Status != OutboxStatus.Complete).ToArray();
            if (outcomes.Count == 0)
            {
                yield break;
            }
        }

        yield return command =>
        {
            command.CommandText =
                $"""
                UPDATE {t.Name} AS o SET {t.Status} = u.s, {t.Attempts} = u.a, {t.NextAttemptAt} = u.n, {t.LastError} = COALESCE(u.e, o.{t.LastError}),
                    {t.CompletedAt} = CASE WHEN u.s = {Complete} THEN u.t ELSE o.{t.CompletedAt} END, {t.LeaseOwner} = NULL, {t.LeaseExpiresAt} = NULL
                FROM unnest(@ids, @statuses, @attempts, @nexts, @errors, @ats) AS u(i, s, a, n, e, t)
                WHERE o.{t.Id} = u.i AND o.{t.Status} = {Publish} AND o.{t.LeaseOwner} = @owner{AndRelaxedCommit(relaxedCommit)}
                """;
            parameters.Add(command, "owner", leaseOwner);
            parameters.Add(command, "ids", outcomes.Select(o => o.MessageId).ToArray());
            parameters.Add(command, "statuses", outcomes.Select(o => (int)o.Status).ToArray());
            parameters.Add(command, "attempts", outcomes.Select(o => o.Attempts).ToArray());
            parameters.Add(command, "nexts", outcomes.Select(o => o.NextAttemptAt).ToArray());
            parameters.Add(command, "errors", outcomes.Select(o => o.LastError).ToArray());
            parameters.Add(command, "ats", outcomes.Select(o => o.At).ToArray());
        };
    }
}
