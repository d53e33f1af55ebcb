using System.Globalization;
using System.Text;

namespace Outbox.EntityFrameworkCore;

/// <summary>
/// SQL Server, under READ COMMITTED (never SERIALIZABLE: its key-range locks would block other
/// relays). A bookkeeping call is one script and one transaction: an exclusive application lock
/// (<c>sp_getapplock</c>) serializes the relays' outcomes and claims, so the per-key probes can
/// read past locked rows (<c>READPAST</c>: a writer's uncommitted insert is skipped, never waited
/// for) without missing another relay's work in progress, and two relays cannot deadlock. A claim
/// takes at most <see cref="MaxClaimBatch"/> rows (under the ~5,000-lock escalation threshold with
/// its index locks) and returns them through <c>OUTPUT … INTO</c> a table variable, which works on
/// a table with triggers. Message ids travel as one JSON parameter (<c>OPENJSON</c>), so no
/// statement nears the 2,100-parameter limit.
/// </summary>
internal sealed class SqlServerOutboxDialect : OutboxSqlDialect
{
    public override string Now => OutboxDatabase.SqlServer.Now;

    public override int MaxClaimBatch => 1_000;

    public override string Quote(string identifier) => "[" + identifier.Replace("]", "]]", StringComparison.Ordinal) + "]";

    public override string NowPlus(string parameter) => $"DATEADD(millisecond, @{parameter}, SYSDATETIMEOFFSET())";

    public override OutboxParameter Duration(string name, TimeSpan value) => OutboxParameter.Of(name, checked((int)value.TotalMilliseconds));

    public override IReadOnlyList<OutboxStatement> Bookkeeping(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim? claim, bool deleteCompleted, bool relaxedCommit)
    {
        string window = $"SELECT TOP (@window) u.{t.Id} AS id, u.{t.Key} AS k, u.{t.Sequence} AS pos, u.{t.PublishedAt} AS pub FROM {t.Name} AS u WITH (READPAST) WHERE u.{t.Status} < {Complete} ORDER BY u.{t.Sequence}";
        return [Script(t, outcomes, claim, deleteCompleted, claim is { PreserveKeyOrder: true } ? InWindow(t, window) : string.Empty, claim is { PreserveKeyOrder: true } ? window : null)];
    }

    // The keys' first rows by GROUP BY over the (key, seq) index: a scan of the index, not of the
    // rows, and no per-row probes (SQL Server has no TOP in a recursive CTE's recursive part).
    public override IReadOnlyList<OutboxStatement> HeadsClaim(OutboxTable t, OutboxClaim claim, bool relaxedCommit) =>
    [
        Script(
            t,
            [],
            claim,
            deleteCompleted: false,
            $"c.{t.Id} IN (SELECT h.{t.Id} FROM (SELECT {t.Key} AS k, MIN({t.Sequence}) AS s FROM {t.Name} WITH (READPAST) WHERE {t.Status} < {Complete} AND {t.Key} IS NOT NULL GROUP BY {t.Key}) AS heads JOIN {t.Name} AS h ON h.{t.Key} = heads.k AND h.{t.Sequence} = heads.s"
            + $" UNION ALL SELECT a.{t.Id} FROM {t.Name} AS a WITH (READPAST) WHERE a.{t.Status} < {Complete} AND a.{t.PublishedAt} IS NOT NULL AND a.{t.Key} IS NOT NULL"
            + $" UNION ALL SELECT n.{t.Id} FROM (SELECT TOP (@batch) u.{t.Id} FROM {t.Name} AS u WITH (READPAST) WHERE {Due(t, "u")} AND u.{t.Key} IS NULL ORDER BY u.{t.Sequence}) AS n) AND ",
            window: null),
    ];

    /// <summary>One transaction under the claim lock: the outcomes, then the claim over the rows <paramref name="candidates"/> allows; then the applied count and the window count (<paramref name="window"/>'s rows), and the claimed rows.</summary>
    private OutboxStatement Script(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim? claim, bool deleteCompleted, string candidates, string? window)
    {
        var parameters = new List<OutboxParameter> { OutboxParameter.Of("lock", LockResource(t)) };
        var sql = new StringBuilder()
            .AppendLine("SET NOCOUNT ON;")
            .AppendLine("SET XACT_ABORT ON;")
            .AppendLine("BEGIN TRANSACTION;")
            .AppendLine("DECLARE @locked int;")
            .AppendLine("EXEC @locked = sp_getapplock @Resource = @lock, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 30000;")
            .AppendLine("IF @locked < 0 THROW 51000, 'The outbox claim lock was not granted within 30 seconds.', 1;")
            .AppendLine("DECLARE @applied int = 0;");

        int n = 0;
        foreach (IGrouping<OutboxOutcome, OutboxOutcome> group in outcomes.GroupBy(StoredValues))
        {
            string g = (n++).ToString(CultureInfo.InvariantCulture);
            parameters.Add(OutboxParameter.Of("o" + g, group.Key.LeaseOwner));
            parameters.Add(OutboxParameter.Of("ids" + g, IdsJson(group.Select(o => o.MessageId))));
            string condition = $"WHERE {t.Id} IN (SELECT CAST([value] AS uniqueidentifier) FROM OPENJSON(@ids{g})) AND {t.Status} = {Publish} AND {t.LeaseOwner} = @o{g}";
            sql.AppendLine(deleteCompleted && group.Key.Status == OutboxStatus.Complete
                ? $"DELETE FROM {t.Name} {condition};"
                : $"UPDATE {t.Name} SET {OutcomeSet(t, group.Key, g, parameters)} {condition};");
            sql.AppendLine("SET @applied += @@ROWCOUNT;");
        }

        if (claim is { } next)
        {
            parameters.AddRange(ClaimParameters(next));
            sql.AppendLine(CultureInfo.InvariantCulture, $"DECLARE @claimed TABLE (seq bigint, id uniqueidentifier, topic nvarchar({OutboxMessageFactory.MaxTopicLength}), [key] nvarchar({OutboxMessageEntityConfiguration.MaxKeyLength}), [type] nvarchar({OutboxMessageEntityConfiguration.MaxTypeLength}), payload varbinary(max), headers nvarchar(max), attempts int, created_at datetimeoffset, next_attempt_at datetimeoffset);")
                .AppendLine(CultureInfo.InvariantCulture, $"DECLARE @window_count int = {(window is null ? "NULL" : $"(SELECT COUNT(*) FROM ({window}) AS w)")};")
                .AppendLine(CultureInfo.InvariantCulture, $"WITH claimable AS (SELECT TOP (@batch) * FROM {t.Name} AS c WITH (UPDLOCK, ROWLOCK, READPAST) WHERE {candidates}{Claimable(t, next.PreserveKeyOrder, " WITH (READPAST)")} ORDER BY c.{t.Sequence})")
                .AppendLine(CultureInfo.InvariantCulture, $"UPDATE claimable SET {ClaimSet(t, "lease")}")
                .AppendLine(CultureInfo.InvariantCulture, $"OUTPUT {t.ClaimedColumns("inserted")} INTO @claimed;");
        }

        sql.AppendLine("COMMIT TRANSACTION;");
        if (claim is not null)
        {
            sql.AppendLine("SELECT @applied, @window_count;")
                .AppendLine("SELECT * FROM @claimed;");
        }
        else
        {
            sql.AppendLine("SELECT @applied, NULL;");
        }

        return new OutboxStatement(sql.ToString(), parameters, OutboxStatementKind.Script);
    }

    // Small batches and READPAST: no lock escalation, no waiting on the relay's locks.
    public override OutboxStatement DeleteFinished(OutboxTable t, OutboxStatus status, TimeSpan retention, int limit)
    {
        CheckFinal(status);
        return new(
            $"DELETE TOP (@batch) FROM {t.Name} WITH (ROWLOCK, READPAST) WHERE {t.Status} = {(int)status} AND {t.CompletedAt} < DATEADD(second, -@retention, SYSDATETIMEOFFSET());",
            [OutboxParameter.Of("retention", checked((int)retention.TotalSeconds)), OutboxParameter.Of("batch", Math.Min(limit, MaxClaimBatch))]);
    }

    public override OutboxStatement Confirm(OutboxTable t, IReadOnlyList<Guid> ids, bool deleteCompleted)
    {
        string condition = $"WHERE {t.Id} IN (SELECT CAST([value] AS uniqueidentifier) FROM OPENJSON(@ids)) AND {t.Status} = {Publish}";
        return new(
            deleteCompleted
                ? $"DELETE FROM {t.Name} {condition};"
                : $"UPDATE {t.Name} SET {t.Status} = {Complete}, {t.CompletedAt} = SYSDATETIMEOFFSET(), {t.LeaseOwner} = NULL, {t.LeaseExpiresAt} = NULL {condition};",
            [OutboxParameter.Of("ids", IdsJson(ids))]);
    }

    public override OutboxStatement Requeue(OutboxTable t, IReadOnlyList<Guid> ids) => new(
        $"UPDATE {t.Name} SET {t.Status} = {Init}, {t.Attempts} = 0, {t.NextAttemptAt} = SYSDATETIMEOFFSET(), {t.CompletedAt} = NULL WHERE {t.Id} IN (SELECT CAST([value] AS uniqueidentifier) FROM OPENJSON(@ids)) AND {t.Status} = {Dead};",
        [OutboxParameter.Of("ids", IdsJson(ids))]);

    /// <summary>The application lock's name: one per outbox table (sp_getapplock takes up to 255 characters).</summary>
    internal static string LockResource(OutboxTable t)
    {
        string name = "outbox-claim:" + t.UnquotedName;
        return name.Length <= 255 ? name : name[..255];
    }

    // A GUID's "D" form needs no JSON escaping.
    private static string IdsJson(IEnumerable<Guid> ids) => "[" + string.Join(",", ids.Select(id => "\"" + id.ToString("D") + "\"")) + "]";
}
