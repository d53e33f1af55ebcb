using Outbox.Storage;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;
using Outbox.TestSupport.Servers;
using Outbox.TestSupport.SqlServer;
using Outbox.TestSupport.Storage;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary>
/// The store's claim and outcome SQL, run on a real database of each supported kind: the rules every store keeps
/// (<see cref="OutboxStoreContractTests"/>, which the relay tests' fake store runs too) and the SQL stores' own.
/// </summary>
public abstract class EntityFrameworkOutboxStoreTests(DatabaseKind kind, IDatabaseServer? server) : OutboxStoreContractTests
{
    private StoreTestHost host = null!;

    protected override async Task<IOutboxStoreTestTarget> CreateTargetAsync() => host = await StoreTestHost.CreateAsync(kind, server);

    [SkippableFact]
    public async Task ClaimAsync_CommittedMessages_MovesThemToPublishUnderTheLeaseOldestFirst()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(3, key: null);

        IReadOnlyList<OutboxMessage> claimed = await host.ClaimAsync("relay-a");

        claimed.Select(m => m.Id).Should().Equal(written.Select(m => m.Id));
        claimed[0].Payload.Should().Equal(written[0].Payload);
        claimed[0].Topic.Should().Be("orders");
        claimed[0].Type.Should().Be(nameof(OrderPlaced));
        List<OutboxMessage> rows = await host.ReadAllAsync();
        rows.Should().OnlyContain(r => r.Status == OutboxStatus.Publish && r.LeaseOwner == "relay-a" && r.LeaseExpiresAt > r.PublishedAt);
        (await host.ClaimAsync("relay-b")).Should().BeEmpty("claimed rows are not claimable until their lease expires");
    }

    [SkippableFact]
    public async Task ClaimAsync_WritersWithClocksHoursApart_DueAtOnceAndInTheOrderTheyWereInserted()
    {
        host.WriterClock.Offset = TimeSpan.FromHours(3); // this writer's clock runs 3 hours ahead...
        OutboxMessage ahead = (await host.WriteAsync(1, key: "k"))[0];
        host.WriterClock.Offset = TimeSpan.FromHours(-3); // ...the next one's 3 hours behind (separate processes: the reliability suite)
        OutboxMessage behind = (await host.WriteAsync(1, key: "k"))[0];

        IReadOnlyList<OutboxMessage> first = await host.ClaimAsync("relay-a");
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(ahead, OutboxStatus.Complete)]));
        IReadOnlyList<OutboxMessage> second = await host.ClaimAsync("relay-a");

        first.Select(m => m.Id).Should().Equal([ahead.Id], "due by the database's clock, and first by the database's position");
        second.Select(m => m.Id).Should().Equal(behind.Id);
        (await host.ReadAllAsync()).Should().OnlyContain(r => (r.CreatedAt - DateTimeOffset.UtcNow).Duration() < TimeSpan.FromMinutes(5), "created_at is the database's time, not the writer's");
    }

    [SkippableFact]
    public async Task GetBacklogAsync_EveryStatus_CountsInitPublishDeadAndAgesTheOldestUnfinishedOnTheDatabaseClock()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(3, key: null);
        await host.ClaimAsync("relay-a");
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([
            Outcome(written[0], OutboxStatus.Complete),
            Outcome(written[1], OutboxStatus.Dead, attempts: 1, error: "too large"),
        ]));
        await host.AgeAsync(TimeSpan.FromHours(1)); // written[2], still PUBLISH, is now an hour old
        await host.WriteAsync(2, key: null);

        OutboxBacklog backlog = await host.WithStoreAsync(store => store.GetBacklogAsync());

        backlog.Should().BeEquivalentTo(new { Init = 2L, Publish = 1L, Dead = 1L });
        backlog.OldestUnfinishedAge.Should().BeGreaterThanOrEqualTo(TimeSpan.FromHours(1)).And.BeLessThan(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(5));
    }

    [SkippableFact]
    public async Task GetBacklogAsync_OnlyCompletedMessages_ZeroCountsAndNoAge()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(2, key: null);
        await host.ClaimAsync("relay-a");
        await host.WithStoreAsync(store => store.RecordOutcomesAsync(written.Select(m => Outcome(m, OutboxStatus.Complete)).ToList()));

        OutboxBacklog backlog = await host.WithStoreAsync(store => store.GetBacklogAsync());

        backlog.Should().Be(new OutboxBacklog(0, 0, 0, null));
    }

    [SkippableFact]
    public async Task GetBacklogAsync_SameFiguresAsTheSummaryThatReadsTheWholeTable()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(4, key: "k1");
        await host.WriteAsync(3, key: null);
        IReadOnlyList<OutboxMessage> claimed = await host.ClaimAsync("relay-a");
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(claimed[0], OutboxStatus.Dead, attempts: 1, error: "x"), Outcome(claimed[1], OutboxStatus.Complete)]));

        OutboxBacklog backlog = await host.WithStoreAsync(store => store.GetBacklogAsync());
        OutboxSummary summary = await host.WithStoreAsync(store => store.GetSummaryAsync());

        written.Should().HaveCount(4);
        backlog.Should().BeEquivalentTo(new { summary.Init, summary.Publish, summary.Dead });
        (backlog.Init + backlog.Publish).Should().Be(5);
    }

    [SkippableFact]
    public async Task ListDeadAndRequeue_DeadMessage_GoesBackToInitWithAttemptsResetAndIsClaimableAgain()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(2, key: null);
        await host.ClaimAsync("relay-a");
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([
            Outcome(written[0], OutboxStatus.Dead, attempts: 5, error: "too large"),
            Outcome(written[1], OutboxStatus.Complete),
        ]));

        IReadOnlyList<OutboxMessage> dead = await host.WithStoreAsync(store => store.ListDeadAsync(10));
        dead.Select(m => m.Id).Should().Equal(written[0].Id);
        dead[0].LastError.Should().Be("too large");

        int requeued = await host.WithStoreAsync(store => store.RequeueDeadAsync([written[0].Id, written[1].Id]));

        requeued.Should().Be(1, "only the DEAD message moves; the COMPLETE one is not DEAD");
        List<OutboxMessage> rows = await host.ReadAllAsync();
        rows[0].Status.Should().Be(OutboxStatus.Init);
        rows[0].Attempts.Should().Be(0);
        rows[1].Status.Should().Be(OutboxStatus.Complete);
        (await host.ClaimAsync("relay-b")).Select(m => m.Id).Should().Equal(written[0].Id);
    }

    [SkippableFact]
    public async Task GetMessageAsync_DeadMessage_ReturnsItWithPayloadHeadersAndError()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(2, key: null);
        await host.ClaimAsync("relay-a");
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(written[0], OutboxStatus.Dead, attempts: 3, error: "broker said no")]));

        OutboxMessage? dead = await host.WithStoreAsync(store => store.GetMessageAsync(written[0].Id));
        OutboxMessage? publish = await host.WithStoreAsync(store => store.GetMessageAsync(written[1].Id));

        dead.Should().NotBeNull();
        dead!.Status.Should().Be(OutboxStatus.Dead);
        dead.Attempts.Should().Be(3);
        dead.LastError.Should().Be("broker said no");
        dead.Topic.Should().Be("orders");
        dead.Key.Should().BeNull();
        dead.Type.Should().Be(nameof(OrderPlaced));
        dead.Payload.Should().Equal(written[0].Payload);
        dead.Headers.Should().Be(written[0].Headers);
        dead.CompletedAt.Should().NotBeNull("a DEAD row records when it became final (its retention counts from it)");
        publish!.Status.Should().Be(OutboxStatus.Publish, "any status is returned, not only DEAD");
        publish.LeaseOwner.Should().Be("relay-a");
        publish.LeaseExpiresAt.Should().BeAfter(publish.CreatedAt);
        publish.PublishedAt.Should().NotBeNull("a claim records when it first took the row");
        publish.CompletedAt.Should().BeNull();
    }

    [SkippableFact]
    public async Task GetMessageAsync_UnknownId_ReturnsNull()
    {
        await host.WriteAsync(1, key: null);

        OutboxMessage? missing = await host.WithStoreAsync(store => store.GetMessageAsync(Guid.NewGuid()));

        missing.Should().BeNull();
    }

    [SkippableFact]
    public async Task DeleteCompletedAsync_DeletesOnlyCompleteRowsOlderThanTheCutoffInBoundedBatches()
    {
        IReadOnlyList<OutboxMessage> old = await host.WriteAsync(3, key: null);
        await host.ClaimAsync("relay-a");
        await host.WithStoreAsync(store => store.RecordOutcomesAsync(old.Select(m => Outcome(m, OutboxStatus.Complete)).ToList()));
        await host.AgeAsync(TimeSpan.FromHours(2));
        IReadOnlyList<OutboxMessage> recent = await host.WriteAsync(3, key: null);
        await host.ClaimAsync("relay-a", batchSize: 2);
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(recent[0], OutboxStatus.Complete), Outcome(recent[1], OutboxStatus.Dead)]));

        int first = await host.WithStoreAsync(store => store.DeleteFinishedAsync(OutboxStatus.Complete, TimeSpan.FromHours(1), limit: 2));
        int second = await host.WithStoreAsync(store => store.DeleteFinishedAsync(OutboxStatus.Complete, TimeSpan.FromHours(1), limit: 2));
        int third = await host.WithStoreAsync(store => store.DeleteFinishedAsync(OutboxStatus.Complete, TimeSpan.FromHours(1), limit: 2));
        int dead = await host.WithStoreAsync(store => store.DeleteFinishedAsync(OutboxStatus.Dead, TimeSpan.FromHours(1), limit: 2));

        (first, second, third, dead).Should().Be((2, 1, 0, 0), "only rows that finished over an hour ago go, in bounded batches");
        (await host.ReadAllAsync()).Select(r => (r.Id, r.Status)).Should().Equal(
            (recent[0].Id, OutboxStatus.Complete), (recent[1].Id, OutboxStatus.Dead), (recent[2].Id, OutboxStatus.Init));
    }

    [SkippableFact]
    public async Task RecordOutcomesAsync_OutcomesThatShareValuesAndOnesThatDoNot_EachRowGetsItsOwn()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(7, key: null);
        await host.ClaimAsync("relay-a");
        TimeSpan soon = TimeSpan.FromMinutes(1), later = TimeSpan.FromMinutes(2);

        int applied = await host.WithStoreAsync(store => store.RecordOutcomesAsync([
            Outcome(written[0], OutboxStatus.Complete),
            Outcome(written[1], OutboxStatus.Init, attempts: 1, retryAfter: soon, error: "timed out"),
            Outcome(written[2], OutboxStatus.Complete),
            Outcome(written[3], OutboxStatus.Init, attempts: 1, retryAfter: later, error: "timed out"),
            Outcome(written[4], OutboxStatus.Complete, attempts: 2),
            Outcome(written[5], OutboxStatus.Dead, attempts: 1, retryAfter: later, error: "too large"),
            Outcome(written[6], OutboxStatus.Init, attempts: 1, retryAfter: soon, error: "timed out"),
        ]));

        applied.Should().Be(7);
        List<OutboxMessage> rows = await host.ReadAllAsync();
        rows.Select(r => (r.Status, r.Attempts, r.LastError)).Should().Equal(
            (OutboxStatus.Complete, 0, null), (OutboxStatus.Init, 1, "timed out"), (OutboxStatus.Complete, 0, null), (OutboxStatus.Init, 1, "timed out"),
            (OutboxStatus.Complete, 2, null), (OutboxStatus.Dead, 1, "too large"), (OutboxStatus.Init, 1, "timed out"));
        DateTimeOffset written0 = rows[0].CreatedAt;
        rows.Select(r => r.NextAttemptAt - written0).Should().Equal(
            [TimeSpan.Zero, soon, TimeSpan.Zero, later, TimeSpan.Zero, TimeSpan.Zero, soon],
            (a, b) => (a - b).Duration() < TimeSpan.FromSeconds(5),
            "only a message going back to INIT gets a new due time (now + its delay); the rest keep theirs");
        rows.Where(r => r.Status == OutboxStatus.Complete).Should().OnlyContain(r => r.CompletedAt != null);
    }

    [SkippableFact]
    public async Task GetDatabaseTimeAsync_IsTheDatabasesClockNotTheProcesses()
    {
        host.Clock.Advance(TimeSpan.FromHours(5));

        DateTimeOffset now = await host.WithDirectSendStoreAsync(store => store.GetDatabaseTimeAsync());

        (now - DateTimeOffset.UtcNow).Duration().Should().BeLessThan(TimeSpan.FromMinutes(1));
    }
}

/// <summary>With zero retention a completed message is deleted when its outcome is recorded.</summary>
public abstract class DeleteOnCompleteStoreTests(DatabaseKind kind, IDatabaseServer? server) : IAsyncLifetime
{
    private StoreTestHost host = null!;

    public async Task InitializeAsync() => host = await StoreTestHost.CreateAsync(kind, server, o => o.CompletedRetention = TimeSpan.Zero);

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync(); // null when the server was missing and the test skipped
        }
    }

    [SkippableFact]
    public async Task RecordOutcomesAsync_ZeroRetention_DeletesCompletedAndUpdatesTheRest()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(2, key: null);
        await host.ClaimAsync("relay-a");

        int applied = await host.WithStoreAsync(store => store.RecordOutcomesAsync([
            new OutboxOutcome(written[0].Id, "relay-a", OutboxStatus.Complete, 0, TimeSpan.Zero, null),
            new OutboxOutcome(written[1].Id, "relay-a", OutboxStatus.Init, 1, TimeSpan.FromSeconds(5), "timed out"),
        ]));

        applied.Should().Be(2);
        List<OutboxMessage> rows = await host.ReadAllAsync();
        rows.Should().ContainSingle().Which.Id.Should().Be(written[1].Id);
        rows[0].Attempts.Should().Be(1);
    }
}

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlDeleteOnCompleteStoreTests(PostgreSqlServer postgres) : DeleteOnCompleteStoreTests(DatabaseKind.PostgreSql, postgres);

public sealed class SqliteDeleteOnCompleteStoreTests() : DeleteOnCompleteStoreTests(DatabaseKind.Sqlite, null);

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlOutboxStoreTests(PostgreSqlServer postgres) : EntityFrameworkOutboxStoreTests(DatabaseKind.PostgreSql, postgres);

public sealed class SqliteOutboxStoreTests() : EntityFrameworkOutboxStoreTests(DatabaseKind.Sqlite, null);

[Collection(SqlServerCollection.Name)]
public sealed class SqlServerDeleteOnCompleteStoreTests(SqlServerServer server) : DeleteOnCompleteStoreTests(DatabaseKind.SqlServer, server);

[Collection(SqlServerCollection.Name)]
public sealed class SqlServerOutboxStoreTests(SqlServerServer server) : EntityFrameworkOutboxStoreTests(DatabaseKind.SqlServer, server);
