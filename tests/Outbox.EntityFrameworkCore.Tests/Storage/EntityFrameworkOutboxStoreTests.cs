using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;
using Outbox.TestSupport.Servers;
using Outbox.TestSupport.SqlServer;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary>The store's claim and outcome SQL, run on a real database of each supported kind.</summary>
public abstract class EntityFrameworkOutboxStoreTests(DatabaseKind kind, IDatabaseServer? server) : IAsyncLifetime
{
    private StoreTestHost host = null!;

    public async Task InitializeAsync() => host = await StoreTestHost.CreateAsync(kind, server);

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync(); // null when the server was missing and the test skipped
        }
    }

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
    public async Task ClaimAsync_HotKeyFillsTheClaimWindow_KeysBehindItAreClaimedToo()
    {
        IReadOnlyList<OutboxMessage> hot = await host.WriteAsync(30, key: "hot"); // far more than the window (2 × batch) of blocked rows
        OutboxMessage a = (await host.WriteAsync(1, key: "a"))[0];
        OutboxMessage b = (await host.WriteAsync(1, key: "b"))[0];
        OutboxMessage unkeyed = (await host.WriteAsync(1, key: null))[0];

        IReadOnlyList<OutboxMessage> first = await host.ClaimAsync("relay-a", batchSize: 5);
        IReadOnlyList<OutboxMessage> second = await host.ClaimAsync("relay-b", batchSize: 5);
        await host.WithStoreAsync(store => store.RecordOutcomesAsync(first.Select(m => Outcome(m, OutboxStatus.Complete)).ToList()));
        IReadOnlyList<OutboxMessage> third = await host.ClaimAsync("relay-b", batchSize: 5);

        first.Select(m => m.Id).Should().BeEquivalentTo([hot[0].Id, a.Id, b.Id, unkeyed.Id], "each key's first row, from behind a window full of the hot key's blocked rows");
        second.Should().BeEmpty("every key has its message in flight");
        third.Select(m => m.Id).Should().Equal(hot[1].Id);
    }

    [SkippableFact]
    public async Task ClaimAsync_BatchSize_ClaimsAtMostThatMany()
    {
        await host.WriteAsync(10, key: null);

        (await host.ClaimAsync("relay-a", batchSize: 4)).Should().HaveCount(4);
        (await host.ClaimAsync("relay-b", batchSize: 4)).Should().HaveCount(4);
        (await host.ClaimAsync("relay-c", batchSize: 4)).Should().HaveCount(2);
    }

    [SkippableFact]
    public async Task ClaimAsync_PreserveKeyOrder_ClaimsOnlyTheOldestUnfinishedMessageOfEachKey()
    {
        IReadOnlyList<OutboxMessage> a = await host.WriteAsync(3, key: "a");
        IReadOnlyList<OutboxMessage> b = await host.WriteAsync(2, key: "b");

        IReadOnlyList<OutboxMessage> first = await host.ClaimAsync("relay-a");
        first.Select(m => m.Id).Should().Equal(a[0].Id, b[0].Id);
        (await host.ClaimAsync("relay-b")).Should().BeEmpty("the next message of a key waits while the previous one is in flight");

        await host.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(a[0], OutboxStatus.Complete)]));

        (await host.ClaimAsync("relay-b")).Select(m => m.Id).Should().Equal(a[1].Id);
    }

    [SkippableFact]
    public async Task RecordOutcomesAndClaimAsync_RecordsFirstSoTheKeysNextMessageIsClaimedInTheSameCall()
    {
        IReadOnlyList<OutboxMessage> a = await host.WriteAsync(2, key: "a");
        IReadOnlyList<OutboxMessage> b = await host.WriteAsync(1, key: "b");
        (await host.ClaimAsync("relay-a")).Select(m => m.Id).Should().Equal(a[0].Id, b[0].Id);
        var claim = new OutboxClaim("relay-a", 100, TimeSpan.FromMinutes(1), PreserveKeyOrder: true);

        (int recorded, IReadOnlyList<OutboxMessage> claimed) = await host.WithStoreAsync(store => store.RecordOutcomesAndClaimAsync(
            [Outcome(a[0], OutboxStatus.Complete), Outcome(b[0], OutboxStatus.Dead, attempts: 1, error: "rejected")], claim));

        recorded.Should().Be(2);
        claimed.Select(m => m.Id).Should().Equal([a[1].Id], "a's first message is COMPLETE before the claim runs");
        (await host.ReadAllAsync()).Select(r => r.Status).Should().Equal(OutboxStatus.Complete, OutboxStatus.Publish, OutboxStatus.Dead);
    }

    [SkippableFact]
    public async Task RecordOutcomesAndClaimAsync_OutcomesOfAnotherOwner_AreRefusedAndNothingIsClaimedTwice()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(1, key: null);
        await host.ClaimAsync("relay-a");
        var claim = new OutboxClaim("relay-b", 100, TimeSpan.FromMinutes(1), PreserveKeyOrder: true);

        (int recorded, IReadOnlyList<OutboxMessage> claimed) = await host.WithStoreAsync(store => store.RecordOutcomesAndClaimAsync(
            [Outcome(written[0], OutboxStatus.Complete, owner: "relay-b")], claim));

        (recorded, claimed.Count).Should().Be((0, 0), "relay-a holds the lease");
        (await host.ReadAllAsync()).Single().LeaseOwner.Should().Be("relay-a");
    }

    [SkippableFact]
    public async Task ClaimAsync_WithoutKeyOrder_ClaimsEveryDueMessage()
    {
        await host.WriteAsync(3, key: "a");

        (await host.ClaimAsync("relay-a", preserveKeyOrder: false)).Should().HaveCount(3);
    }

    [SkippableFact]
    public async Task ClaimAsync_RetryNotDue_WaitsUntilNextAttemptAndBlocksItsKey()
    {
        IReadOnlyList<OutboxMessage> a = await host.WriteAsync(2, key: "a");
        await host.ClaimAsync("relay-a");
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(a[0], OutboxStatus.Init, attempts: 1, retryAfter: TimeSpan.FromSeconds(10), error: "broker down")]));

        (await host.ClaimAsync("relay-a")).Should().BeEmpty("the retry is not due and the key's next message must wait for it");
        await host.AgeAsync(TimeSpan.FromSeconds(11));

        IReadOnlyList<OutboxMessage> retried = await host.ClaimAsync("relay-a");
        retried.Select(m => m.Id).Should().Equal(a[0].Id);
        retried[0].Attempts.Should().Be(1);
        (await host.ReadAllAsync())[0].LastError.Should().Be("broker down");
    }

    [SkippableFact]
    public async Task ClaimAsync_LeaseExpired_AnotherRelayTakesOverAndTheStaleOwnerIsRefused()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(1);
        await host.ClaimAsync("relay-a", lease: TimeSpan.FromSeconds(30));
        await host.AgeAsync(TimeSpan.FromSeconds(31));

        IReadOnlyList<OutboxMessage> takenOver = await host.ClaimAsync("relay-b");
        takenOver.Select(m => m.Id).Should().Equal(written[0].Id);
        takenOver[0].Attempts.Should().Be(1, "a lease that ran out counts as an attempt");

        int staleApplied = await host.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(written[0], OutboxStatus.Dead, error: "stale")]));
        staleApplied.Should().Be(0);
        int applied = await host.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(written[0], OutboxStatus.Complete, attempts: 1, owner: "relay-b")]));
        applied.Should().Be(1);

        OutboxMessage row = (await host.ReadAllAsync()).Single();
        row.Status.Should().Be(OutboxStatus.Complete);
        row.CompletedAt.Should().NotBeNull();
        row.LeaseOwner.Should().BeNull();
        row.LastError.Should().BeNull();
    }

    [SkippableFact]
    public async Task RecordOutcomesAsync_MixedBatch_AppliesEachOutcome()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(3, key: null);
        await host.ClaimAsync("relay-a");
        int applied = await host.WithStoreAsync(store => store.RecordOutcomesAsync([
            Outcome(written[0], OutboxStatus.Complete),
            Outcome(written[1], OutboxStatus.Init, attempts: 1, retryAfter: TimeSpan.FromMinutes(1), error: "timed out"),
            Outcome(written[2], OutboxStatus.Dead, attempts: 1, error: "too large"),
        ]));

        applied.Should().Be(3);
        List<OutboxMessage> rows = await host.ReadAllAsync();
        rows.Select(r => r.Status).Should().Equal(OutboxStatus.Complete, OutboxStatus.Init, OutboxStatus.Dead);
        rows[1].Attempts.Should().Be(1);
        rows[1].NextAttemptAt.Should().BeCloseTo(rows[0].CompletedAt!.Value.AddMinutes(1), TimeSpan.FromSeconds(5), "due a minute after the outcome, on the database's clock");
        rows[2].LastError.Should().Be("too large");
        rows.Should().OnlyContain(r => r.LeaseOwner == null);

        OutboxSummary summary = await host.WithStoreAsync(store => store.GetSummaryAsync());
        summary.Should().BeEquivalentTo(new { Init = 1L, Publish = 0L, Complete = 1L, Dead = 1L });
        summary.OldestUnfinishedCreatedAt.Should().BeCloseTo(written[1].CreatedAt, TimeSpan.FromMilliseconds(1));
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
    public async Task RecordOutcomesAsync_MessageNotInPublish_IsNotChanged()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(1);

        int applied = await host.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(written[0], OutboxStatus.Complete)]));

        applied.Should().Be(0, "an INIT message was never claimed by relay-a");
        (await host.ReadAllAsync()).Single().Status.Should().Be(OutboxStatus.Init);
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
        publish!.Status.Should().Be(OutboxStatus.Publish, "any status is returned, not only DEAD");
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
    public async Task ClaimOwned_FirstOfEachKey_AdmittedInPositionOrderWithNothingWritten()
    {
        IReadOnlyList<OutboxMessage> a = await host.WriteAsync(2, key: "a");
        OutboxMessage b = (await host.WriteAsync(1, key: "b"))[0];
        OutboxMessage unkeyed = (await host.WriteAsync(1, key: null))[0];
        await host.OwnAsync([.. a, b, unkeyed], "direct-1", TimeSpan.FromMinutes(1));
        List<OutboxMessage> before = await host.ReadAllAsync();

        OutboxOwnedClaimResult result = await ClaimOwnedAsync([], "direct-1", b, a[0], unkeyed);

        result.Admitted.Should().Equal([a[0].Id, b.Id, unkeyed.Id], "position order; the owner's own later message of key a (PUBLISH too) does not block the first");
        result.Released.Should().BeEmpty();
        (await host.ReadAllAsync()).Should().BeEquivalentTo(before, "admission writes nothing");
        (await host.ClaimAsync("relay-x")).Should().BeEmpty("owned messages are in flight under their lease");
    }

    [SkippableFact]
    public async Task ClaimOwned_KeysEarlierMessageUnfinishedElsewhere_GivenBackAndClaimedInPositionOrder()
    {
        OutboxMessage earlier = (await host.WriteAsync(1, key: "k"))[0]; // INIT: written where no direct sender ran
        OutboxMessage owned = (await host.WriteAsync(1, key: "k"))[0];
        await host.OwnAsync([owned], "direct-1", TimeSpan.FromMinutes(1));

        OutboxOwnedClaimResult result = await ClaimOwnedAsync([], "direct-1", owned);

        result.Admitted.Should().BeEmpty("an earlier message of its key is unfinished");
        result.Released.Should().Equal(owned.Id);
        OutboxMessage row = (await host.ReadAllAsync()).Single(r => r.Id == owned.Id);
        (row.Status, row.LeaseOwner, row.LeaseExpiresAt, row.PublishedAt).Should().Be((OutboxStatus.Init, (string?)null, (DateTimeOffset?)null, (DateTimeOffset?)null));
        (await host.ClaimAsync("relay-a")).Select(m => m.Id).Should().Equal(earlier.Id);
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(earlier, OutboxStatus.Complete)]));
        (await host.ClaimAsync("relay-a")).Select(m => m.Id).Should().Equal(owned.Id);
    }

    [SkippableFact]
    public async Task ClaimOwned_KeyInFlightUnderAnotherOwner_GivenBack()
    {
        OutboxMessage first = (await host.WriteAsync(1, key: "k"))[0];
        (await host.ClaimAsync("relay-a")).Should().ContainSingle();
        OutboxMessage second = (await host.WriteAsync(1, key: "k"))[0];
        await host.OwnAsync([second], "direct-1", TimeSpan.FromMinutes(1));

        OutboxOwnedClaimResult result = await ClaimOwnedAsync([], "direct-1", second);

        result.Admitted.Should().BeEmpty($"{first.Id} is in flight at relay-a");
        result.Released.Should().Equal(second.Id);
    }

    [SkippableFact]
    public async Task ClaimOwned_OutcomesRecordedFirst_TheKeysNextOwnedMessageIsAdmittedInTheSameCall()
    {
        IReadOnlyList<OutboxMessage> k = await host.WriteAsync(2, key: "k");
        await host.OwnAsync(k, "direct-1", TimeSpan.FromMinutes(1));
        (await ClaimOwnedAsync([], "direct-1", k[0])).Admitted.Should().Equal(k[0].Id);

        OutboxOwnedClaimResult result = await ClaimOwnedAsync([Outcome(k[0], OutboxStatus.Complete, owner: "direct-1") with { WasSent = true }], "direct-1", k[1]);

        result.Recorded.Should().Be(1);
        result.Admitted.Should().Equal(k[1].Id);
        OutboxMessage done = (await host.ReadAllAsync()).Single(r => r.Id == k[0].Id);
        (done.Status, done.CompletedAt is not null).Should().Be((OutboxStatus.Complete, true));
    }

    [SkippableFact]
    public async Task ClaimOwned_LeaseRanOutAndARelayTookOver_NeitherAdmittedNorGivenBack()
    {
        OutboxMessage owned = (await host.WriteAsync(1, key: "k"))[0];
        await host.OwnAsync([owned], "direct-1", TimeSpan.FromSeconds(-1));
        (await host.ClaimAsync("relay-b")).Select(m => m.Id).Should().Equal([owned.Id], "a lapsed direct message is claimed like any other");

        OutboxOwnedClaimResult result = await ClaimOwnedAsync([Outcome(owned, OutboxStatus.Complete, owner: "direct-1")], "direct-1", owned);

        result.Should().BeEquivalentTo(new OutboxOwnedClaimResult(0, [], []), "the stale owner is fenced off: its outcome and its claim are refused");
        OutboxMessage row = (await host.ReadAllAsync()).Single();
        (row.Status, row.LeaseOwner).Should().Be((OutboxStatus.Publish, "relay-b"));
    }

    [SkippableFact]
    public async Task GetDatabaseTimeAsync_IsTheDatabasesClockNotTheProcesses()
    {
        host.Clock.Advance(TimeSpan.FromHours(5));

        DateTimeOffset now = await host.WithStoreAsync(store => store.GetDatabaseTimeAsync());

        (now - DateTimeOffset.UtcNow).Duration().Should().BeLessThan(TimeSpan.FromMinutes(1));
    }

    private Task<OutboxOwnedClaimResult> ClaimOwnedAsync(IReadOnlyList<OutboxOutcome> outcomes, string owner, params OutboxMessage[] messages) =>
        host.WithStoreAsync(store => store.RecordOutcomesAndClaimOwnedAsync(outcomes, new OutboxOwnedClaim(owner, [.. messages.Select(m => m.Id)])));

    private static OutboxOutcome Outcome(OutboxMessage message, OutboxStatus status, int attempts = 0, TimeSpan? retryAfter = null, string? error = null, string owner = "relay-a") =>
        new(message.Id, owner, status, attempts, retryAfter ?? TimeSpan.Zero, error);
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
