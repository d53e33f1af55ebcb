using System.Globalization;
using System.Text;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Sql;

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

    /// <summary>
    /// How many unfinished rows, in position order, a key-order claim looks at: twice the batch.
    /// Behind a hot key every row is blocked, and probing each of them made a claim cost the
    /// backlog (1 key × 50,000 rows: seconds per claim). When the window holds too few claimable
    /// rows and is full, <see cref="HeadsClaim"/> takes the rest from the keys' first rows.
    /// </summary>
    public static int ClaimWindow(OutboxClaim claim) => 2 * claim.BatchSize;

    /// <summary>
    /// Whether a key-order claim's window was full and gave less than a quarter of the batch, so
    /// that <see cref="HeadsClaim"/> should take the rest. The heads claim walks every key, so it
    /// is only for a window that blocked rows have stalled (a hot key). A window that gives less
    /// than a batch but more than that is normal with several relays (their batches in flight
    /// block those keys' later rows in it) and moves on as its rows finish: falling back on every
    /// such claim took a 4-relay drain from 13,867 to 1,661 msg/s (docs/performance.md).
    /// </summary>
    /// <param name="claim">The claim.</param>
    /// <param name="claimed">How many rows the window claim took.</param>
    /// <param name="windowCount">How many unfinished rows the window held, or <see langword="null"/> without key order or without any.</param>
    public static bool WindowWasStarved(OutboxClaim claim, int claimed, long? windowCount) =>
        windowCount is { } held && held >= ClaimWindow(claim) && claimed * 4 < claim.BatchSize;

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

    /// <summary>
    /// A key-order claim that looks only at the rows that can be claimable: each key's unfinished
    /// row with the lowest position, each key's rows claimed before (few: in flight or waiting for
    /// a retry), and rows without a key. Its cost follows the number of keys with work, not how
    /// deep their backlogs are. Serialized like every claim.
    /// </summary>
    public abstract IReadOnlyList<OutboxStatement> HeadsClaim(OutboxTable t, OutboxClaim claim, bool relaxedCommit);

    /// <summary>
    /// The statements of one direct-send call: the outcomes, then, serialized with claims, a query
    /// returning (in position order) the ids among <paramref name="claim"/>'s that are still held
    /// by its owner and may be sent now (<see cref="Admissible"/>). Writes nothing for those.
    /// </summary>
    public abstract IReadOnlyList<OutboxStatement> AdmitOwned(OutboxTable t, IReadOnlyList<OutboxOutcome> outcomes, OutboxOwnedClaim claim, bool deleteCompleted, bool relaxedCommit);

    /// <summary>Gives owned messages back (<see cref="ReleaseSet"/>) where <paramref name="leaseOwner"/> still holds them, returning their ids.</summary>
    public abstract OutboxStatement ReleaseOwned(OutboxTable t, string leaseOwner, IReadOnlyList<Guid> ids, bool relaxedCommit);

    /// <summary>The database's now, in the type the time columns hold.</summary>
    public virtual OutboxStatement DatabaseTime(OutboxTable t) => new($"SELECT {Now}", []);

    /// <summary>Deletes at most <paramref name="limit"/> rows of a final status that reached it more than <paramref name="retention"/> ago, in one short statement.</summary>
    public abstract OutboxStatement DeleteFinished(OutboxTable t, OutboxStatus status, TimeSpan retention, int limit);

    /// <summary>Moves PUBLISH messages to COMPLETE (or deletes them) whoever holds their lease: a confirmation consumer read them back.</summary>
    public abstract OutboxStatement Confirm(OutboxTable t, IReadOnlyList<Guid> ids, bool deleteCompleted);

    /// <summary>Moves DEAD messages back to INIT, due now, attempts reset; they keep their position.</summary>
    public abstract OutboxStatement Requeue(OutboxTable t, IReadOnlyList<Guid> ids);

    /// <summary>
    /// Inserts one INIT message as EF Core would (standard SQL on every provider): the position,
    /// <c>created_at</c> and <c>next_attempt_at</c> come from the table's defaults (the database's
    /// sequence and clock), like a row EF Core saves.
    /// </summary>
    public static OutboxStatement Insert(OutboxTable t, OutboxMessage m) => new(
        $"INSERT INTO {t.Name} ({t.Id}, {t.Topic}, {t.Key}, {t.Type}, {t.Payload}, {t.Headers}, {t.Status}, {t.Attempts}) VALUES (@id, @topic, @key, @type, @payload, @headers, {Init}, 0)",
        [
            OutboxParameter.Of("id", m.Id), OutboxParameter.Of("topic", m.Topic), OutboxParameter.Of("key", m.Key),
            OutboxParameter.Of("type", m.Type), OutboxParameter.Of("payload", m.Payload), OutboxParameter.Of("headers", m.Headers),
        ]);

    /// <summary>Up to <paramref name="limit"/> DEAD rows, every column (<see cref="OutboxTable.RowColumns"/>), oldest id first.</summary>
    public virtual OutboxStatement ListDead(OutboxTable t, int limit) =>
        new($"SELECT {t.RowColumns} FROM {t.Name} WHERE {t.Status} = {Dead} ORDER BY {t.Id} LIMIT @limit", [OutboxParameter.Of("limit", limit)]);

    /// <summary>The row of one message id, every column (<see cref="OutboxTable.RowColumns"/>), or no row.</summary>
    public static OutboxStatement GetMessage(OutboxTable t, Guid id) =>
        new($"SELECT {t.RowColumns} FROM {t.Name} WHERE {t.Id} = @id", [OutboxParameter.Of("id", id)]);

    // COUNT(*) is an int on SQL Server, which the reader's GetInt64 refuses there: the cast makes it a bigint everywhere.
    public static OutboxStatement Summary(OutboxTable t) =>
        new($"SELECT {t.Status}, CAST(COUNT(*) AS bigint), MIN({t.CreatedAt}) FROM {t.Name} GROUP BY {t.Status}", []);

    /// <summary>
    /// The backlog in one row (one statement, one snapshot): the database's now, the unfinished,
    /// PUBLISH and DEAD counts, and when the unfinished message with the lowest position was
    /// written. Every part reads a partial index (<c>ix_*_unfinished</c>, <c>ix_*_dead</c>; PUBLISH as
    /// direct sends never claimed, <c>ix_*_key_publish</c>, plus claimed rows, <c>ix_*_key_claimed</c>,
    /// whose few entries (in flight or waiting for a retry) are checked for their status (the planner may
    /// take <c>ix_*_unfinished</c> for it instead, with a heap check per unfinished row); the oldest
    /// by <c>MIN(position)</c>, then one row by the position's unique index), so completed rows cost
    /// nothing however many there are. INIT is unfinished minus PUBLISH. The lowest position stands for the oldest: positions are taken at insert, so a
    /// transaction that ran long before its insert can be older by its own duration.
    /// SQLite: a term must repeat a partial index's filter to use it, hence <c>status &lt; 2 AND status = 1</c>.
    /// </summary>
    public OutboxStatement Backlog(OutboxTable t)
    {
        string unfinished = $"{t.Status} < {Complete}";
        string from = t.Name + BacklogReadHint;
        return new(
            $"SELECT {Now}, " +
            $"(SELECT CAST(COUNT(*) AS bigint) FROM {from} WHERE {unfinished}), " +
            $"(SELECT CAST(COUNT(*) AS bigint) FROM {from} WHERE {t.Status} = {Publish} AND {t.PublishedAt} IS NULL) + " +
            $"(SELECT CAST(COUNT(*) AS bigint) FROM {from} WHERE {unfinished} AND {t.PublishedAt} IS NOT NULL AND {t.Status} = {Publish}), " +
            $"(SELECT CAST(COUNT(*) AS bigint) FROM {from} WHERE {t.Status} = {Dead}), " +
            $"(SELECT o.{t.CreatedAt} FROM {t.Name} AS o{BacklogReadHint} WHERE o.{t.Sequence} = (SELECT MIN(u.{t.Sequence}) FROM {t.Name} AS u{BacklogReadHint} WHERE u.{unfinished}))",
            []);
    }

    /// <summary>Gets the table hint of the backlog's reads, or empty: a probe must never wait for a writer's uncommitted rows (SQL Server without snapshot reads: READPAST).</summary>
    protected virtual string BacklogReadHint => string.Empty;

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
    /// message is claimable only when no other message of its key is in flight (PUBLISH under a
    /// live lease: claimed, or written owned by a direct send) and no other unfinished message of
    /// its key comes before it, in this order: messages already claimed once (<c>published_at</c>
    /// set) by their position, then messages never claimed by their position. So at most one
    /// message per key is in flight, whatever the ids, and a message is never overtaken by one
    /// whose transaction committed after it was first claimed (its position is lower only because
    /// that transaction inserted first). A direct message whose writer died before recording it
    /// counts as never claimed: its key's earlier messages go first.
    /// </summary>
    /// <param name="t">The table.</param>
    /// <param name="preserveKeyOrder">Whether to apply the per-key rule.</param>
    /// <param name="probeHint">A table hint for the per-key probes (SQL Server's READPAST), or empty.</param>
    protected string Claimable(OutboxTable t, bool preserveKeyOrder, string probeHint = "")
    {
        OutboxStateMachine.EnsureTransition(OutboxStatus.Init, OutboxStatus.Publish);
        OutboxStateMachine.EnsureTransition(OutboxStatus.Publish, OutboxStatus.Publish);
        var sql = new StringBuilder(Due(t, "c"));
        if (preserveKeyOrder)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND (c.{t.Key} IS NULL OR (")
                .Append(InFlightProbe(t, "c", probeHint))
                // Claimed-before messages of the key (few: in flight or waiting for a retry; their own
                // index): one in flight blocks every other; any blocks one never claimed; a lower
                // position blocks the rest.
                .Append(CultureInfo.InvariantCulture, $" AND NOT EXISTS (SELECT 1 FROM {t.Name} AS p{probeHint} WHERE p.{t.Key} = c.{t.Key} AND p.{t.Status} < {Complete} AND p.{t.PublishedAt} IS NOT NULL AND p.{t.Id} <> c.{t.Id}")
                .Append(CultureInfo.InvariantCulture, $" AND ((p.{t.Status} = {Publish} AND p.{t.LeaseExpiresAt} > {Now}) OR c.{t.PublishedAt} IS NULL OR p.{t.Sequence} < c.{t.Sequence}))")
                // A never-claimed message must be its key's first unfinished one. Written as MIN(position),
                // which always reads one entry of the (key, position) index: as NOT EXISTS (… lower
                // position), one hot key's statistics made PostgreSQL probe with a sequential scan.
                .Append(CultureInfo.InvariantCulture, $" AND (c.{t.PublishedAt} IS NOT NULL OR c.{t.Sequence} = (SELECT MIN(e.{t.Sequence}) FROM {t.Name} AS e{probeHint} WHERE e.{t.Key} = c.{t.Key} AND e.{t.Status} < {Complete}))))");
        }

        return sql.ToString();
    }

    /// <summary>
    /// Whether the owned message aliased <paramref name="m"/> may be sent now (a direct send): it
    /// has no key, or no message of its key is in flight under another owner (the owner's own
    /// sender keeps one per key in flight, in memory, and its later messages are PUBLISH too), none
    /// has a lower position unfinished, and none was claimed before. The same rule as
    /// <see cref="Claimable"/> for a message never claimed, read with nothing written.
    /// </summary>
    protected string Admissible(OutboxTable t, string m, string probeHint = "") =>
        $"({m}.{t.Key} IS NULL OR ({InFlightProbe(t, m, probeHint, $" AND f.{t.LeaseOwner} <> @owner")}" +
        $" AND NOT EXISTS (SELECT 1 FROM {t.Name} AS q{probeHint} WHERE q.{t.Key} = {m}.{t.Key} AND q.{t.Status} < {Complete} AND q.{t.PublishedAt} IS NOT NULL AND q.{t.Id} <> {m}.{t.Id})" +
        $" AND NOT EXISTS (SELECT 1 FROM {t.Name} AS e{probeHint} WHERE e.{t.Key} = {m}.{t.Key} AND e.{t.Status} < {Complete} AND e.{t.Sequence} < {m}.{t.Sequence})))";

    /// <summary>
    /// No other message of the key of <paramref name="alias"/>'s row is in flight as a direct send
    /// (PUBLISH under a live lease, never claimed). Its own index holds only those rows, so a drain
    /// of claimed rows never reads it; claimed rows in flight are the claimed-before probe's.
    /// </summary>
    private string InFlightProbe(OutboxTable t, string alias, string probeHint, string otherOwner = "") =>
        $"NOT EXISTS (SELECT 1 FROM {t.Name} AS f{probeHint} WHERE f.{t.Key} = {alias}.{t.Key} AND f.{t.Status} = {Publish} AND f.{t.PublishedAt} IS NULL AND f.{t.LeaseExpiresAt} > {Now} AND f.{t.Id} <> {alias}.{t.Id}{otherOwner})";

    /// <summary>The SET list (without SET) that gives owned messages back: INIT, due now, no lease; they keep their position.</summary>
    protected string ReleaseSet(OutboxTable t) =>
        $"{t.Status} = {Init}, {t.NextAttemptAt} = {Now}, {t.LeaseOwner} = NULL, {t.LeaseExpiresAt} = NULL";

    /// <summary>
    /// Row <paramref name="alias"/> is not in flight (PUBLISH under a live lease): the claim's window
    /// skips those, so the batches the relay has in flight do not fill it. Filled by them, the
    /// window of the second of two concurrent claims held its few claimable rows and sent it to the
    /// heads claim, which walks every key: a 50,000-message drain over 10,000 keys fell from about
    /// 17,000 to 3,600 msg/s (claims of 260 ms instead of 51); skipping them, 11,000 (81 ms).
    /// </summary>
    protected string NotInFlight(OutboxTable t, string alias) =>
        $"NOT ({alias}.{t.Status} = {Publish} AND {alias}.{t.LeaseExpiresAt} > {Now})";

    /// <summary>
    /// The claim's window as a condition on alias <c>c</c>: of the first <c>@window</c> unfinished
    /// rows in position order (<paramref name="window"/>, columns id, key, position, published_at),
    /// only those that can be claimable: each key's first there, rows claimed before, and rows
    /// without a key. The rest are behind another row of their key, and pruning them in one sort
    /// spares each a probe (1 hot key: 61 ms of probes per claim, 7 ms with the pruning).
    /// </summary>
    protected static string InWindow(OutboxTable t, string window) =>
        $"c.{t.Id} IN (SELECT w.id FROM (SELECT win.id, win.k, win.pub, ROW_NUMBER() OVER (PARTITION BY win.k ORDER BY win.pos) AS rn FROM ({window}) AS win) AS w WHERE w.rn = 1 OR w.pub IS NOT NULL OR w.k IS NULL) AND ";

    /// <summary>The condition that the row aliased <paramref name="alias"/> is due: INIT and its next attempt has come, or PUBLISH under a lease that ended.</summary>
    protected string Due(OutboxTable t, string alias) =>
        $"{alias}.{t.Status} < {Complete} AND (({alias}.{t.Status} = {Init} AND {alias}.{t.NextAttemptAt} <= {Now}) OR ({alias}.{t.Status} = {Publish} AND {alias}.{t.LeaseExpiresAt} <= {Now}))";

    /// <summary>The claim's SET list (without SET): PUBLISH under the claim's lease, the first claim's time kept, one more attempt for a message taken over from an expired lease.</summary>
    protected string ClaimSet(OutboxTable t, string leaseParameter) =>
        $"{t.Status} = {Publish}, {t.LeaseOwner} = @owner, {t.LeaseExpiresAt} = {NowPlus(leaseParameter)}, {t.PublishedAt} = COALESCE({t.PublishedAt}, {Now}), " +
        $"{t.Attempts} = {t.Attempts} + CASE WHEN {t.Status} = {Publish} THEN 1 ELSE 0 END";

    /// <summary>The claim's parameters (<c>@owner</c>, <c>@lease</c>, <c>@batch</c>, <c>@window</c>).</summary>
    protected OutboxParameter[] ClaimParameters(OutboxClaim claim) =>
    [
        OutboxParameter.Of("owner", claim.LeaseOwner),
        Duration("lease", claim.LeaseDuration),
        OutboxParameter.Of("batch", Math.Min(claim.BatchSize, MaxClaimBatch)),
        OutboxParameter.Of("window", ClaimWindow(claim)),
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

        // A direct message sent once counts as claimed before from now on (see OutboxOutcome.WasSent).
        string published = values.Status == OutboxStatus.Init && values.WasSent ? $", {t.PublishedAt} = COALESCE({t.PublishedAt}, {Now})" : string.Empty;
        return $"{t.Status} = @s{n}, {t.Attempts} = @a{n}, {t.LastError} = COALESCE(@e{n}, {t.LastError}), {time}{published}, {t.LeaseOwner} = NULL, {t.LeaseExpiresAt} = NULL";
    }

    /// <summary>What an outcome writes, without its message: outcomes with equal values share one statement.</summary>
    protected static OutboxOutcome StoredValues(OutboxOutcome outcome) => outcome.Status == OutboxStatus.Init
        ? outcome with { MessageId = Guid.Empty }
        : outcome with { MessageId = Guid.Empty, RetryAfter = TimeSpan.Zero, WasSent = false };

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
