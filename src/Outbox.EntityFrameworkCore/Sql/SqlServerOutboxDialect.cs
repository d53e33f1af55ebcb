using System.Globalization;
using System.Text;
using Outbox.EntityFrameworkCore.Model;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Sql;

/// <summary>
/// SQL Server 2016 or later, database compatibility level 130 or higher (<c>OPENJSON</c>), with
/// READ_COMMITTED_SNAPSHOT on or off. Every statement that changes an existing row is a script of
/// its own that runs at READ COMMITTED (set in the script: READPAST is refused at SERIALIZABLE and
/// SNAPSHOT).
/// <list type="bullet">
/// <item><b>One lock for every change to an unfinished row.</b> A bookkeeping call (outcomes,
/// then the claim), a confirmation and a requeue each run in one transaction that first takes an
/// exclusive application lock on the table (<c>sp_getapplock</c>, owned by the transaction). So at
/// most one of them changes INIT or PUBLISH rows at a time, a claim always sees what the claim
/// before it committed, and two of them never wait for each other's row locks: the lock is taken
/// before any row lock, so relays, the confirmation consumer and an operator's requeue cannot
/// deadlock. What else holds row locks on the table: the application's transactions inserting new
/// rows, and retention deleting finished rows (READPAST, it never waits).</item>
/// <item><b>The claim never waits for a row lock.</b> Its scan and its per-key probes read with
/// READPAST, so an application's uncommitted insert is skipped, never waited for (under locking
/// READ COMMITTED a plain read would wait for that transaction's end, stalling every claim; under
/// READ_COMMITTED_SNAPSHOT it would read the committed version, which is the same answer). A row
/// inserted with a lower position that commits late is handled by the per-key rule of
/// <see cref="OutboxSqlDialect.Claimable"/>.</item>
/// <item><b>Under lock escalation.</b> The claim first reads the ids it takes into a table
/// variable (shared locks, each released after its row, however many rows the per-key probes look
/// at), then updates those rows by id: at most <see cref="MaxClaimBatch"/> rows, so at most 1,000
/// key locks per index, under the 5,000 locks on one table or index at which SQL Server escalates
/// to a table lock that would block the application's inserts.</item>
/// <item><b>Tables with triggers.</b> Claimed rows come back through <c>OUTPUT … INTO</c> a
/// table variable (a plain <c>OUTPUT</c> is refused on a table with an enabled trigger), and the
/// rows an outcome, confirmation or requeue changed are counted the same way, so a trigger's own
/// statements never change the count.</item>
/// <item><b>Durations</b> travel as milliseconds in a <c>bigint</c> and are added as days plus
/// milliseconds: <c>DATEADD</c> takes an <c>int</c>, which in milliseconds ends at 24.8 days.</item>
/// </list>
/// Message ids travel as one JSON array parameter (<c>OPENJSON</c>), so no statement nears the
/// 2,100-parameter limit. SET options in a script last only for that script: SqlClient sends a
/// command with parameters through <c>sp_executesql</c>, and SET changes made in it end with it.
/// </summary>
internal sealed class SqlServerOutboxDialect : OutboxSqlDialect
{
    private const long MillisecondsPerDay = 86_400_000;

    // ±700,000 days (about 1,900 years) from now stays inside datetimeoffset's years 1 to 9999.
    private static readonly TimeSpan LongestDuration = TimeSpan.FromDays(700_000);

    public override string Now => OutboxDatabase.SqlServer.Now;

    public override int MaxClaimBatch => 1_000;

    public override string Quote(string identifier) => "[" + identifier.Replace("]", "]]", StringComparison.Ordinal) + "]";

    public override string NowPlus(string parameter) =>
        $"DATEADD(millisecond, @{parameter} % {MillisecondsPerDay}, DATEADD(day, @{parameter} / {MillisecondsPerDay}, {Now}))";

    /// <summary>A duration in milliseconds (<c>bigint</c>), held within ±700,000 days so the date arithmetic cannot overflow.</summary>
    public override OutboxParameter Duration(string name, TimeSpan value)
    {
        TimeSpan held = value > LongestDuration ? LongestDuration : value < -LongestDuration ? -LongestDuration : value;
        return OutboxParameter.Of(name, (long)held.TotalMilliseconds);
    }

    public override IReadOnlyList<OutboxStatement> Bookkeeping(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim? claim, bool deleteCompleted, bool relaxedCommit)
    {
        string window = $"SELECT TOP (@window) u.{t.Id} AS id, u.{t.Key} AS k, u.{t.Sequence} AS pos, u.{t.PublishedAt} AS pub FROM {t.Name} AS u WITH (READPAST) WHERE u.{t.Status} < {Complete} AND {NotInFlight(t, "u")} ORDER BY u.{t.Sequence}";
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
            $"c.{t.Id} IN (SELECT h.{t.Id} FROM (SELECT {t.Key} AS k, MIN({t.Sequence}) AS s FROM {t.Name} WITH (READPAST) WHERE {t.Status} < {Complete} AND {t.Key} IS NOT NULL GROUP BY {t.Key}) AS heads JOIN {t.Name} AS h WITH (READPAST) ON h.{t.Key} = heads.k AND h.{t.Sequence} = heads.s"
            + $" UNION ALL SELECT a.{t.Id} FROM {t.Name} AS a WITH (READPAST) WHERE a.{t.Status} < {Complete} AND a.{t.PublishedAt} IS NOT NULL AND a.{t.Key} IS NOT NULL"
            + $" UNION ALL SELECT n.{t.Id} FROM (SELECT TOP (@batch) u.{t.Id} FROM {t.Name} AS u WITH (READPAST) WHERE {Due(t, "u")} AND u.{t.Key} IS NULL ORDER BY u.{t.Sequence}) AS n) AND ",
            window: null),
    ];

    /// <summary>One transaction under the claim lock: the outcomes, then the claim over the rows <paramref name="candidates"/> allows; then the applied count and the window count (<paramref name="window"/>'s rows), and the claimed rows.</summary>
    private OutboxStatement Script(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim? claim, bool deleteCompleted, string candidates, string? window)
    {
        var parameters = new List<OutboxParameter> { OutboxParameter.Of("lock", LockResource(t)) };
        StringBuilder sql = LockedScript();
        AppendOutcomes(sql, t, outcomes, deleteCompleted, parameters);

        if (claim is { } next)
        {
            parameters.AddRange(ClaimParameters(next).Where(p => window is not null || p.Name != "window")); // sp_executesql takes unused parameters, the parse test refuses them
            sql.AppendLine(CultureInfo.InvariantCulture, $"DECLARE @window_count int = {(window is null ? "NULL" : $"(SELECT COUNT(*) FROM ({window}) AS w)")};")
                .AppendLine("DECLARE @candidates TABLE (id uniqueidentifier NOT NULL PRIMARY KEY);")
                .AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO @candidates (id) SELECT TOP (@batch) c.{t.Id} FROM {t.Name} AS c WITH (READPAST) WHERE {candidates}{Claimable(t, next.PreserveKeyOrder, " WITH (READPAST)")} ORDER BY c.{t.Sequence};")
                .AppendLine(CultureInfo.InvariantCulture, $"DECLARE @claimed TABLE (seq bigint, id uniqueidentifier, topic nvarchar({OutboxMessageEntityConfiguration.MaxTopicLength}), [key] nvarchar({OutboxMessageEntityConfiguration.MaxKeyLength}), [type] nvarchar({OutboxMessageEntityConfiguration.MaxTypeLength}), payload varbinary(max), headers nvarchar(max), attempts int, created_at datetimeoffset, next_attempt_at datetimeoffset);")
                .AppendLine(CultureInfo.InvariantCulture, $"UPDATE o SET {ClaimSet(t, "lease")}")
                .AppendLine(CultureInfo.InvariantCulture, $"OUTPUT {t.ClaimedColumns("inserted")} INTO @claimed")
                .AppendLine(CultureInfo.InvariantCulture, $"FROM {t.Name} AS o WITH (ROWLOCK, READPAST) INNER JOIN @candidates AS s ON o.{t.Id} = s.id")
                // Still due: nothing else changes unfinished rows while the lock is held, but the ids were read by another statement.
                .AppendLine(CultureInfo.InvariantCulture, $"WHERE (o.{t.Status} = {Init} AND o.{t.NextAttemptAt} <= {Now}) OR (o.{t.Status} = {Publish} AND o.{t.LeaseExpiresAt} <= {Now});");
        }

        sql.AppendLine("COMMIT TRANSACTION;");
        if (claim is not null)
        {
            sql.AppendLine("SELECT (SELECT COUNT(*) FROM @changed), @window_count;")
                .AppendLine("SELECT * FROM @claimed;");
        }
        else
        {
            sql.AppendLine("SELECT COUNT(*), NULL FROM @changed;");
        }

        return new OutboxStatement(sql.ToString(), parameters, OutboxStatementKind.Script);
    }

    // Under the table's lock, like a claim; the owned messages' own rows are committed (READPAST
    // reads them), and the probes skip uncommitted inserts as the claim's do.
    public override IReadOnlyList<OutboxStatement> AdmitOwned(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, OutboxOwnedClaim claim, bool deleteCompleted, bool relaxedCommit)
    {
        if (claim.MessageIds.Count == 0)
        {
            return [Script(t, outcomes, claim: null, deleteCompleted, string.Empty, window: null)];
        }

        var parameters = new List<OutboxParameter> { OutboxParameter.Of("lock", LockResource(t)), OutboxParameter.Of("owned", IdsJson(claim.MessageIds)), OutboxParameter.Of("owner", claim.LeaseOwner) };
        StringBuilder sql = LockedScript();
        AppendOutcomes(sql, t, outcomes, deleteCompleted, parameters);
        sql.AppendLine("DECLARE @admitted TABLE (id uniqueidentifier NOT NULL, seq bigint NOT NULL);")
            .AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO @admitted (id, seq) SELECT m.{t.Id}, m.{t.Sequence} FROM {t.Name} AS m WITH (READPAST) WHERE m.{t.Id} IN (SELECT id FROM OPENJSON(@owned) WITH (id uniqueidentifier '$')) AND m.{t.Status} = {Publish} AND m.{t.LeaseOwner} = @owner AND {Admissible(t, "m", " WITH (READPAST)")};")
            .AppendLine("COMMIT TRANSACTION;")
            .AppendLine("SELECT COUNT(*), NULL FROM @changed;")
            .AppendLine("SELECT id FROM @admitted ORDER BY seq;");
        return [new OutboxStatement(sql.ToString(), parameters, OutboxStatementKind.Script)];
    }

    public override OutboxStatement ReleaseOwned(OutboxTable t, string leaseOwner, IReadOnlyList<Guid> ids, bool relaxedCommit) => new(
        LockedScript()
            .AppendLine(CultureInfo.InvariantCulture, $"UPDATE {t.Name} SET {ReleaseSet(t)} OUTPUT deleted.{t.Id} INTO @changed WHERE {IdIn(t, "@ids")} AND {t.Status} = {Publish} AND {t.LeaseOwner} = @owner;")
            .AppendLine("COMMIT TRANSACTION;")
            .AppendLine("SELECT id FROM @changed;")
            .ToString(),
        [OutboxParameter.Of("lock", LockResource(t)), OutboxParameter.Of("ids", IdsJson(ids)), OutboxParameter.Of("owner", leaseOwner)],
        OutboxStatementKind.Ids);

    /// <summary>One statement per group of equal outcomes, each counting the rows it changed into <c>@changed</c>.</summary>
    private void AppendOutcomes(StringBuilder sql, OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, bool deleteCompleted, List<OutboxParameter> parameters)
    {
        int n = 0;
        foreach (IGrouping<OutboxOutcome, OutboxOutcome> group in outcomes.GroupBy(StoredValues))
        {
            string g = (n++).ToString(CultureInfo.InvariantCulture);
            parameters.Add(OutboxParameter.Of("o" + g, group.Key.LeaseOwner));
            parameters.Add(OutboxParameter.Of("ids" + g, IdsJson(group.Select(o => o.MessageId))));
            string condition = $"WHERE {IdIn(t, "@ids" + g)} AND {t.Status} = {Publish} AND {t.LeaseOwner} = @o{g}";
            sql.AppendLine(deleteCompleted && group.Key.Status == OutboxStatus.Complete
                ? $"DELETE FROM {t.Name} OUTPUT deleted.{t.Id} INTO @changed {condition};"
                : $"UPDATE {t.Name} SET {OutcomeSet(t, group.Key, g, parameters)} OUTPUT deleted.{t.Id} INTO @changed {condition};");
        }
    }

    // Finished rows only, which nothing else changes but a requeue of a DEAD one: READPAST skips
    // those, small batches stay under lock escalation, and the statement never waits for a lock.
    public override OutboxStatement DeleteFinished(OutboxTable t, OutboxStatus status, TimeSpan retention, int limit)
    {
        CheckFinal(status);
        return new(
            $"DELETE TOP (@batch) FROM {t.Name} WITH (ROWLOCK, READPAST) WHERE {t.Status} = {(int)status} AND {t.CompletedAt} < {NowPlus("age")};",
            [Duration("age", -retention), OutboxParameter.Of("batch", Math.Min(limit, MaxClaimBatch))]);
    }

    // Under the table's lock, like the relays' outcomes: the confirmation consumer and a relay never
    // wait for each other's row locks.
    public override OutboxStatement Confirm(OutboxTable t, IReadOnlyList<Guid> ids, bool deleteCompleted)
    {
        string condition = $"WHERE {IdIn(t, "@ids")} AND {t.Status} = {Publish}";
        return Locked(
            t,
            deleteCompleted
                ? $"DELETE FROM {t.Name} OUTPUT deleted.{t.Id} INTO @changed {condition};"
                : $"UPDATE {t.Name} SET {t.Status} = {Complete}, {t.CompletedAt} = {Now}, {t.LeaseOwner} = NULL, {t.LeaseExpiresAt} = NULL OUTPUT deleted.{t.Id} INTO @changed {condition};",
            OutboxParameter.Of("ids", IdsJson(ids)));
    }

    public override OutboxStatement Requeue(OutboxTable t, IReadOnlyList<Guid> ids) => Locked(
        t,
        $"UPDATE {t.Name} SET {t.Status} = {Init}, {t.Attempts} = 0, {t.NextAttemptAt} = {Now}, {t.CompletedAt} = NULL OUTPUT deleted.{t.Id} INTO @changed WHERE {IdIn(t, "@ids")} AND {t.Status} = {Dead};",
        OutboxParameter.Of("ids", IdsJson(ids)));

    public override OutboxStatement ListDead(OutboxTable t, int limit) =>
        new($"SELECT TOP (@limit) {t.RowColumns} FROM {t.Name} WHERE {t.Status} = {Dead} ORDER BY {t.Id}", [OutboxParameter.Of("limit", limit)]);

    /// <inheritdoc/>
    protected override string BacklogReadHint => " WITH (READPAST)";

    /// <summary>The application lock's name: one per outbox table (sp_getapplock takes up to 255 characters).</summary>
    internal static string LockResource(OutboxTable t)
    {
        string name = "outbox-claim:" + t.UnquotedName;
        return name.Length <= 255 ? name : name[..255];
    }

    /// <summary>
    /// The start of a script: READ COMMITTED, abort and roll back on any error, a transaction, the
    /// table's lock (<c>@lock</c>), and <c>@changed</c> for the ids of the rows its outcomes changed
    /// (counted from OUTPUT, not @@ROWCOUNT or the affected rows, which a trigger on the table may change).
    /// </summary>
    private static StringBuilder LockedScript() => new StringBuilder()
        .AppendLine("SET NOCOUNT ON;")
        .AppendLine("SET XACT_ABORT ON;")
        .AppendLine("SET TRANSACTION ISOLATION LEVEL READ COMMITTED;")
        .AppendLine("BEGIN TRANSACTION;")
        .AppendLine("DECLARE @locked int;")
        .AppendLine("EXEC @locked = sp_getapplock @Resource = @lock, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 30000;")
        .AppendLine("IF @locked < 0 THROW 51000, 'The outbox lock (sp_getapplock) was not granted within 30 seconds.', 1;")
        .AppendLine("DECLARE @changed TABLE (id uniqueidentifier NOT NULL);");

    /// <summary>
    /// One statement under the table's lock; the command's affected rows are the rows it changed:
    /// the only count the script reports is the delete of <c>@changed</c>, which has no trigger.
    /// </summary>
    private static OutboxStatement Locked(OutboxTable t, string statement, OutboxParameter parameter) => new(
        LockedScript()
            .AppendLine(statement)
            .AppendLine("COMMIT TRANSACTION;")
            .AppendLine("SET NOCOUNT OFF;")
            .AppendLine("DELETE FROM @changed;")
            .ToString(),
        [OutboxParameter.Of("lock", LockResource(t)), parameter]);

    private static string IdIn(OutboxTable t, string json) => $"{t.Id} IN (SELECT id FROM OPENJSON({json}) WITH (id uniqueidentifier '$'))";

    // A GUID's "D" form needs no JSON escaping.
    private static string IdsJson(IEnumerable<Guid> ids) => "[" + string.Join(",", ids.Select(id => "\"" + id.ToString("D") + "\"")) + "]";
}
