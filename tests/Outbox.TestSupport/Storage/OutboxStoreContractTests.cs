using Outbox.Storage;

namespace Outbox.TestSupport.Storage;

/// <summary>
/// The rules every <see cref="IOutboxStore"/> keeps, whoever implements it: what a claim takes and in which order,
/// key order, leases and their owners, outcomes and owned (direct-send) claims. Run on each SQL database by the
/// EF Core store's tests and on the relay tests' in-memory fake, so the fake cannot drift from the stores.
/// </summary>
public abstract class OutboxStoreContractTests : IAsyncLifetime
{
    private IOutboxStoreTestTarget? target;

    /// <summary>Gets the store under test with its helpers (created before each test).</summary>
    protected IOutboxStoreTestTarget Target => target ?? throw new InvalidOperationException("InitializeAsync has not run.");

    public async Task InitializeAsync() => target = await CreateTargetAsync();

    public async Task DisposeAsync()
    {
        if (target is not null)
        {
            await target.DisposeAsync(); // null when the server was missing and the test skipped
        }
    }

    /// <summary>Creates an empty store for one test.</summary>
    protected abstract Task<IOutboxStoreTestTarget> CreateTargetAsync();

    protected static OutboxOutcome Outcome(OutboxMessage message, OutboxStatus status, int attempts = 0, TimeSpan? retryAfter = null, string? error = null, string owner = "relay-a") =>
        new(message.Id, owner, status, attempts, retryAfter ?? TimeSpan.Zero, error);

    private Task<OutboxOwnedClaimResult> ClaimOwnedAsync(IReadOnlyList<OutboxOutcome> outcomes, string owner, params OutboxMessage[] messages) =>
        Target.WithDirectSendStoreAsync(store => store.RecordOutcomesAndClaimOwnedAsync(outcomes, new OutboxOwnedClaim(owner, [.. messages.Select(m => m.Id)])));

    [SkippableFact]
    public async Task ClaimAsync_HotKeyFillsTheClaimWindow_KeysBehindItAreClaimedToo()
    {
        IReadOnlyList<OutboxMessage> hot = await Target.WriteAsync(30, key: "hot"); // far more than the window (2 × batch) of blocked rows
        OutboxMessage a = (await Target.WriteAsync(1, key: "a"))[0];
        OutboxMessage b = (await Target.WriteAsync(1, key: "b"))[0];
        OutboxMessage unkeyed = (await Target.WriteAsync(1, key: null))[0];

        IReadOnlyList<OutboxMessage> first = await Target.ClaimAsync("relay-a", batchSize: 5);
        IReadOnlyList<OutboxMessage> second = await Target.ClaimAsync("relay-b", batchSize: 5);
        await Target.WithStoreAsync(store => store.RecordOutcomesAsync(first.Select(m => Outcome(m, OutboxStatus.Complete)).ToList()));
        IReadOnlyList<OutboxMessage> third = await Target.ClaimAsync("relay-b", batchSize: 5);

        first.Select(m => m.Id).Should().BeEquivalentTo([hot[0].Id, a.Id, b.Id, unkeyed.Id], "each key's first row, from behind a window full of the hot key's blocked rows");
        second.Should().BeEmpty("every key has its message in flight");
        third.Select(m => m.Id).Should().Equal(hot[1].Id);
    }

    [SkippableFact]
    public async Task ClaimAsync_BatchSize_ClaimsAtMostThatMany()
    {
        await Target.WriteAsync(10, key: null);

        (await Target.ClaimAsync("relay-a", batchSize: 4)).Should().HaveCount(4);
        (await Target.ClaimAsync("relay-b", batchSize: 4)).Should().HaveCount(4);
        (await Target.ClaimAsync("relay-c", batchSize: 4)).Should().HaveCount(2);
    }

    [SkippableFact]
    public async Task ClaimAsync_PreserveKeyOrder_ClaimsOnlyTheOldestUnfinishedMessageOfEachKey()
    {
        IReadOnlyList<OutboxMessage> a = await Target.WriteAsync(3, key: "a");
        IReadOnlyList<OutboxMessage> b = await Target.WriteAsync(2, key: "b");

        IReadOnlyList<OutboxMessage> first = await Target.ClaimAsync("relay-a");
        first.Select(m => m.Id).Should().Equal(a[0].Id, b[0].Id);
        (await Target.ClaimAsync("relay-b")).Should().BeEmpty("the next message of a key waits while the previous one is in flight");

        await Target.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(a[0], OutboxStatus.Complete)]));

        (await Target.ClaimAsync("relay-b")).Select(m => m.Id).Should().Equal(a[1].Id);
    }

    [SkippableFact]
    public async Task RecordOutcomesAndClaimAsync_RecordsFirstSoTheKeysNextMessageIsClaimedInTheSameCall()
    {
        IReadOnlyList<OutboxMessage> a = await Target.WriteAsync(2, key: "a");
        IReadOnlyList<OutboxMessage> b = await Target.WriteAsync(1, key: "b");
        (await Target.ClaimAsync("relay-a")).Select(m => m.Id).Should().Equal(a[0].Id, b[0].Id);
        var claim = new OutboxClaim("relay-a", 100, TimeSpan.FromMinutes(1), PreserveKeyOrder: true);

        (int recorded, IReadOnlyList<OutboxMessage> claimed) = await Target.WithStoreAsync(store => store.RecordOutcomesAndClaimAsync(
            [Outcome(a[0], OutboxStatus.Complete), Outcome(b[0], OutboxStatus.Dead, attempts: 1, error: "rejected")], claim));

        recorded.Should().Be(2);
        claimed.Select(m => m.Id).Should().Equal([a[1].Id], "a's first message is COMPLETE before the claim runs");
        (await Target.ReadAllAsync()).Select(r => r.Status).Should().Equal(OutboxStatus.Complete, OutboxStatus.Publish, OutboxStatus.Dead);
    }

    [SkippableFact]
    public async Task RecordOutcomesAndClaimAsync_OutcomesOfAnotherOwner_AreRefusedAndNothingIsClaimedTwice()
    {
        IReadOnlyList<OutboxMessage> written = await Target.WriteAsync(1, key: null);
        await Target.ClaimAsync("relay-a");
        var claim = new OutboxClaim("relay-b", 100, TimeSpan.FromMinutes(1), PreserveKeyOrder: true);

        (int recorded, IReadOnlyList<OutboxMessage> claimed) = await Target.WithStoreAsync(store => store.RecordOutcomesAndClaimAsync(
            [Outcome(written[0], OutboxStatus.Complete, owner: "relay-b")], claim));

        (recorded, claimed.Count).Should().Be((0, 0), "relay-a holds the lease");
        (await Target.ReadAllAsync()).Single().LeaseOwner.Should().Be("relay-a");
    }

    [SkippableFact]
    public async Task ClaimAsync_WithoutKeyOrder_ClaimsEveryDueMessage()
    {
        await Target.WriteAsync(3, key: "a");

        (await Target.ClaimAsync("relay-a", preserveKeyOrder: false)).Should().HaveCount(3);
    }

    [SkippableFact]
    public async Task ClaimAsync_RetryNotDue_WaitsUntilNextAttemptAndBlocksItsKey()
    {
        IReadOnlyList<OutboxMessage> a = await Target.WriteAsync(2, key: "a");
        await Target.ClaimAsync("relay-a");
        await Target.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(a[0], OutboxStatus.Init, attempts: 1, retryAfter: TimeSpan.FromSeconds(10), error: "broker down")]));

        (await Target.ClaimAsync("relay-a")).Should().BeEmpty("the retry is not due and the key's next message must wait for it");
        await Target.AgeAsync(TimeSpan.FromSeconds(11));

        IReadOnlyList<OutboxMessage> retried = await Target.ClaimAsync("relay-a");
        retried.Select(m => m.Id).Should().Equal(a[0].Id);
        retried[0].Attempts.Should().Be(1);
        (await Target.ReadAllAsync())[0].LastError.Should().Be("broker down");
    }

    [SkippableFact]
    public async Task ClaimAsync_LeaseExpired_AnotherRelayTakesOverAndTheStaleOwnerIsRefused()
    {
        IReadOnlyList<OutboxMessage> written = await Target.WriteAsync(1);
        await Target.ClaimAsync("relay-a", lease: TimeSpan.FromSeconds(30));
        await Target.AgeAsync(TimeSpan.FromSeconds(31));

        IReadOnlyList<OutboxMessage> takenOver = await Target.ClaimAsync("relay-b");
        takenOver.Select(m => m.Id).Should().Equal(written[0].Id);
        takenOver[0].Attempts.Should().Be(1, "a lease that ran out counts as an attempt");

        int staleApplied = await Target.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(written[0], OutboxStatus.Dead, error: "stale")]));
        staleApplied.Should().Be(0);
        int applied = await Target.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(written[0], OutboxStatus.Complete, attempts: 1, owner: "relay-b")]));
        applied.Should().Be(1);

        OutboxMessage row = (await Target.ReadAllAsync()).Single();
        row.Status.Should().Be(OutboxStatus.Complete);
        row.CompletedAt.Should().NotBeNull();
        row.LeaseOwner.Should().BeNull();
        row.LastError.Should().BeNull();
    }

    [SkippableFact]
    public async Task RecordOutcomesAsync_MixedBatch_AppliesEachOutcome()
    {
        IReadOnlyList<OutboxMessage> written = await Target.WriteAsync(3, key: null);
        await Target.ClaimAsync("relay-a");
        int applied = await Target.WithStoreAsync(store => store.RecordOutcomesAsync([
            Outcome(written[0], OutboxStatus.Complete),
            Outcome(written[1], OutboxStatus.Init, attempts: 1, retryAfter: TimeSpan.FromMinutes(1), error: "timed out"),
            Outcome(written[2], OutboxStatus.Dead, attempts: 1, error: "too large"),
        ]));

        applied.Should().Be(3);
        List<OutboxMessage> rows = await Target.ReadAllAsync();
        rows.Select(r => r.Status).Should().Equal(OutboxStatus.Complete, OutboxStatus.Init, OutboxStatus.Dead);
        rows[1].Attempts.Should().Be(1);
        rows[1].NextAttemptAt.Should().BeCloseTo(rows[0].CompletedAt!.Value.AddMinutes(1), TimeSpan.FromSeconds(5), "due a minute after the outcome, on the database's clock");
        rows[2].LastError.Should().Be("too large");
        rows.Should().OnlyContain(r => r.LeaseOwner == null);

        OutboxSummary summary = await Target.WithStoreAsync(store => store.GetSummaryAsync());
        summary.Should().BeEquivalentTo(new { Init = 1L, Publish = 0L, Complete = 1L, Dead = 1L });
        summary.OldestUnfinishedCreatedAt.Should().BeCloseTo(written[1].CreatedAt, TimeSpan.FromMilliseconds(1));
    }

    [SkippableFact]
    public async Task RecordOutcomesAsync_MessageNotInPublish_IsNotChanged()
    {
        IReadOnlyList<OutboxMessage> written = await Target.WriteAsync(1);

        int applied = await Target.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(written[0], OutboxStatus.Complete)]));

        applied.Should().Be(0, "an INIT message was never claimed by relay-a");
        (await Target.ReadAllAsync()).Single().Status.Should().Be(OutboxStatus.Init);
    }

    [SkippableFact]
    public async Task ClaimOwned_FirstOfEachKey_AdmittedInPositionOrderWithNothingWritten()
    {
        IReadOnlyList<OutboxMessage> a = await Target.WriteAsync(2, key: "a");
        OutboxMessage b = (await Target.WriteAsync(1, key: "b"))[0];
        OutboxMessage unkeyed = (await Target.WriteAsync(1, key: null))[0];
        await Target.OwnAsync([.. a, b, unkeyed], "direct-1", TimeSpan.FromMinutes(1));
        List<OutboxMessage> before = await Target.ReadAllAsync();

        OutboxOwnedClaimResult result = await ClaimOwnedAsync([], "direct-1", b, a[0], unkeyed);

        result.Admitted.Should().Equal([a[0].Id, b.Id, unkeyed.Id], "position order; the owner's own later message of key a (PUBLISH too) does not block the first");
        result.Released.Should().BeEmpty();
        (await Target.ReadAllAsync()).Should().BeEquivalentTo(before, "admission writes nothing");
        (await Target.ClaimAsync("relay-x")).Should().BeEmpty("owned messages are in flight under their lease");
    }

    [SkippableFact]
    public async Task ClaimOwned_KeysEarlierMessageUnfinishedElsewhere_GivenBackAndClaimedInPositionOrder()
    {
        OutboxMessage earlier = (await Target.WriteAsync(1, key: "k"))[0]; // INIT: written where no direct sender ran
        OutboxMessage owned = (await Target.WriteAsync(1, key: "k"))[0];
        await Target.OwnAsync([owned], "direct-1", TimeSpan.FromMinutes(1));

        OutboxOwnedClaimResult result = await ClaimOwnedAsync([], "direct-1", owned);

        result.Admitted.Should().BeEmpty("an earlier message of its key is unfinished");
        result.Released.Should().Equal(owned.Id);
        OutboxMessage row = (await Target.ReadAllAsync()).Single(r => r.Id == owned.Id);
        (row.Status, row.LeaseOwner, row.LeaseExpiresAt, row.PublishedAt).Should().Be((OutboxStatus.Init, (string?)null, (DateTimeOffset?)null, (DateTimeOffset?)null));
        (await Target.ClaimAsync("relay-a")).Select(m => m.Id).Should().Equal(earlier.Id);
        await Target.WithStoreAsync(store => store.RecordOutcomesAsync([Outcome(earlier, OutboxStatus.Complete)]));
        (await Target.ClaimAsync("relay-a")).Select(m => m.Id).Should().Equal(owned.Id);
    }

    [SkippableFact]
    public async Task ClaimOwned_KeyInFlightUnderAnotherOwner_GivenBack()
    {
        OutboxMessage first = (await Target.WriteAsync(1, key: "k"))[0];
        (await Target.ClaimAsync("relay-a")).Should().ContainSingle();
        OutboxMessage second = (await Target.WriteAsync(1, key: "k"))[0];
        await Target.OwnAsync([second], "direct-1", TimeSpan.FromMinutes(1));

        OutboxOwnedClaimResult result = await ClaimOwnedAsync([], "direct-1", second);

        result.Admitted.Should().BeEmpty($"{first.Id} is in flight at relay-a");
        result.Released.Should().Equal(second.Id);
    }

    [SkippableFact]
    public async Task ClaimOwned_OutcomesRecordedFirst_TheKeysNextOwnedMessageIsAdmittedInTheSameCall()
    {
        IReadOnlyList<OutboxMessage> k = await Target.WriteAsync(2, key: "k");
        await Target.OwnAsync(k, "direct-1", TimeSpan.FromMinutes(1));
        (await ClaimOwnedAsync([], "direct-1", k[0])).Admitted.Should().Equal(k[0].Id);

        OutboxOwnedClaimResult result = await ClaimOwnedAsync([Outcome(k[0], OutboxStatus.Complete, owner: "direct-1") with { WasSent = true }], "direct-1", k[1]);

        result.Recorded.Should().Be(1);
        result.Admitted.Should().Equal(k[1].Id);
        OutboxMessage done = (await Target.ReadAllAsync()).Single(r => r.Id == k[0].Id);
        (done.Status, done.CompletedAt is not null).Should().Be((OutboxStatus.Complete, true));
    }

    [SkippableFact]
    public async Task ClaimOwned_LeaseRanOutAndARelayTookOver_NeitherAdmittedNorGivenBack()
    {
        OutboxMessage owned = (await Target.WriteAsync(1, key: "k"))[0];
        await Target.OwnAsync([owned], "direct-1", TimeSpan.FromSeconds(-1));
        (await Target.ClaimAsync("relay-b")).Select(m => m.Id).Should().Equal([owned.Id], "a lapsed direct message is claimed like any other");

        OutboxOwnedClaimResult result = await ClaimOwnedAsync([Outcome(owned, OutboxStatus.Complete, owner: "direct-1")], "direct-1", owned);

        result.Should().BeEquivalentTo(new OutboxOwnedClaimResult(0, [], []), "the stale owner is fenced off: its outcome and its claim are refused");
        OutboxMessage row = (await Target.ReadAllAsync()).Single();
        (row.Status, row.LeaseOwner).Should().Be((OutboxStatus.Publish, "relay-b"));
    }
}
