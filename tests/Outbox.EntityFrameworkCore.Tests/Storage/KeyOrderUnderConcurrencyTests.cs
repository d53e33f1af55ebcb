using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Storage;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;
using Outbox.TestSupport.Servers;
using Outbox.TestSupport.SqlServer;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary>
/// Per-key order with real concurrent transactions, on databases where two writers can have
/// uncommitted outbox rows at once (not SQLite: it has one writer at a time, so a row's rowid
/// follows commit order there). Positions come from the database at insert, so a transaction
/// that inserts first and commits last holds the lower position while invisible.
/// </summary>
public abstract class KeyOrderUnderConcurrencyTests(DatabaseKind kind, IDatabaseServer? server) : IAsyncLifetime
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
    public async Task Claim_LateCommitOfALowerPosition_NeverTwoInFlightAndTheLateOneGoesSecond()
    {
        await using LateTransaction late = await LateTransaction.BeginAsync(host, key: "k");   // inserts first: the lower position
        OutboxMessage early = (await host.WriteAsync(1, key: "k"))[0];                          // inserts second, commits first

        IReadOnlyList<OutboxMessage> first = await host.ClaimAsync("relay-a");
        await late.CommitAsync();
        IReadOnlyList<OutboxMessage> whileInFlight = await host.ClaimAsync("relay-b");
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([new OutboxOutcome(early.Id, "relay-a", OutboxStatus.Complete, 0, TimeSpan.Zero, null)]));
        IReadOnlyList<OutboxMessage> after = await host.ClaimAsync("relay-b");

        first.Select(m => m.Id).Should().Equal([early.Id], "the late transaction's row is not visible yet");
        whileInFlight.Should().BeEmpty("a key's message is in flight: its other message waits, whatever its position");
        after.Select(m => m.Id).Should().Equal([late.MessageId], "once the first is COMPLETE the late one goes");
    }

    [SkippableFact]
    public async Task Claim_LateCommitWhileTheFirstWaitsForItsRetry_TheClaimedOneStaysFirst()
    {
        await using LateTransaction late = await LateTransaction.BeginAsync(host, key: "k");
        OutboxMessage early = (await host.WriteAsync(1, key: "k"))[0];
        (await host.ClaimAsync("relay-a")).Select(m => m.Id).Should().Equal(early.Id);

        // The send fails: back to INIT, due at once. Then the late transaction commits.
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([new OutboxOutcome(early.Id, "relay-a", OutboxStatus.Init, 1, TimeSpan.Zero, "not leader")]));
        await late.CommitAsync();

        IReadOnlyList<OutboxMessage> retry = await host.ClaimAsync("relay-b");

        retry.Select(m => m.Id).Should().Equal([early.Id], "a message claimed before is never overtaken by one first seen after it, even with a lower position");
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([new OutboxOutcome(early.Id, "relay-b", OutboxStatus.Complete, 1, TimeSpan.Zero, null)]));
        (await host.ClaimAsync("relay-b")).Select(m => m.Id).Should().Equal(late.MessageId);
    }

    [SkippableFact]
    public async Task Claim_WhileAnotherClaimIsUncommittedALowerPositionCommits_NeverTwoOfAKeyInFlight()
    {
        await using LateTransaction late = await LateTransaction.BeginAsync(host, key: "k");
        OutboxMessage visible = (await host.WriteAsync(1, key: "k"))[0];

        // Relay A's claim takes the visible message and has not committed yet.
        await using AsyncServiceScope a = host.Services.CreateAsyncScope();
        var aDb = a.ServiceProvider.GetRequiredService<TestDbContext>();
        await using IDbContextTransaction aTransaction = await aDb.Database.BeginTransactionAsync();
        IReadOnlyList<OutboxMessage> claimedByA = await a.ServiceProvider.GetRequiredService<IOutboxStore>().ClaimAsync(new OutboxClaim("relay-a", 10, TimeSpan.FromMinutes(1), PreserveKeyOrder: true));

        // Now the lower position commits, and relay B claims while A's claim is still open.
        await late.CommitAsync();
        Task<IReadOnlyList<OutboxMessage>> claimedByB = host.ClaimAsync("relay-b");
        await Task.Delay(500);
        await aTransaction.CommitAsync();

        claimedByA.Select(m => m.Id).Should().Equal(visible.Id);
        (await claimedByB).Should().BeEmpty("claims are serialized: B sees A's claim, so the key already has a message in flight");
    }

    [SkippableFact]
    public async Task Claim_EightRelaysAtOnce_NeverTwoMessagesOfOneKeyInFlightAndEachKeyInPositionOrder()
    {
        const int keys = 40, perKey = 6;
        for (int round = 0; round < perKey; round++)
        {
            for (int k = 0; k < keys; k++)
            {
                await host.WriteAsync(1, key: "key-" + k);
            }
        }

        var holders = new ConcurrentDictionary<string, string>();
        var violations = new ConcurrentBag<string>();
        var completed = new ConcurrentQueue<OutboxMessage>();
        int done = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(r => Task.Run(async () =>
        {
            var random = new Random(r);
            for (int pass = 0; Volatile.Read(ref done) < keys * perKey && pass < 2_000; pass++)
            {
                string owner = $"relay-{r}/{pass}";
                IReadOnlyList<OutboxMessage> claimed = await host.ClaimAsync(owner, batchSize: 7);
                foreach (OutboxMessage m in claimed)
                {
                    if (!holders.TryAdd(m.Key!, owner))
                    {
                        violations.Add($"{m.Key}: claimed by {owner} while {holders[m.Key!]} held it");
                    }
                }

                await Task.Delay(random.Next(0, 3));
                foreach (OutboxMessage m in claimed)
                {
                    holders.TryRemove(m.Key!, out _);
                    completed.Enqueue(m);
                }

                if (claimed.Count > 0)
                {
                    await host.WithStoreAsync(store => store.RecordOutcomesAsync(claimed.Select(m => new OutboxOutcome(m.Id, owner, OutboxStatus.Complete, 0, TimeSpan.Zero, null)).ToList()));
                    Interlocked.Add(ref done, claimed.Count);
                }
            }
        })));

        violations.Should().BeEmpty();
        completed.Should().HaveCount(keys * perKey);
        List<OutboxMessage> rows = await host.ReadAllAsync();
        Dictionary<Guid, int> written = rows.Select((row, i) => (row.Id, i)).ToDictionary(p => p.Id, p => p.i); // ReadAllAsync sorts by id: one writer, ids in insert order
        foreach (IGrouping<string?, OutboxMessage> key in completed.GroupBy(m => m.Key))
        {
            key.Select(m => written[m.Id]).Should().BeInAscendingOrder($"key {key.Key} went out in position order");
        }
    }

    [SkippableFact]
    public async Task Claim_TwoTransactionsUpdatingOneRow_TheirEventsGoInCommitOrder()
    {
        var orderId = Guid.NewGuid();
        await using (TestDbContext setup = host.Database.CreateContext())
        {
            setup.Orders.Add(new Order { Id = orderId, Customer = "shared", Amount = 0 });
            await setup.SaveChangesAsync();
        }

        // The first transaction updates the row (and holds its lock); it stages its event only later.
        await using AsyncServiceScope first = host.Services.CreateAsyncScope();
        var firstDb = first.ServiceProvider.GetRequiredService<TestDbContext>();
        await using IDbContextTransaction firstTransaction = await firstDb.Database.BeginTransactionAsync();
        (await firstDb.Orders.SingleAsync(o => o.Id == orderId)).Amount = 1;
        await firstDb.SaveChangesAsync();

        // The second updates the row and stages its event in one SaveChanges: EF Core sends the
        // UPDATE first, so it waits for the first's lock before its outbox row takes a position.
        Task<Guid> second = Task.Run(async () =>
        {
            await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            await using IDbContextTransaction transaction = await db.Database.BeginTransactionAsync();
            (await db.Orders.SingleAsync(o => o.Id == orderId)).Amount = 2;
            Guid id = scope.ServiceProvider.GetRequiredService<IOutbox>().AddRaw("orders", "order", [2]).Id;
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return id;
        });
        await Task.Delay(300);
        second.IsCompleted.Should().BeFalse("the second transaction waits for the first's row lock");
        Guid firstEvent = first.ServiceProvider.GetRequiredService<IOutbox>().AddRaw("orders", "order", [1]).Id;
        await firstDb.SaveChangesAsync();
        await firstTransaction.CommitAsync();
        Guid secondEvent = await second;

        (await host.ClaimAsync("relay-a")).Select(m => m.Id).Should().Equal([firstEvent], "the first to commit goes first, although the second staged its event earlier");
        await host.WithStoreAsync(store => store.RecordOutcomesAsync([new OutboxOutcome(firstEvent, "relay-a", OutboxStatus.Complete, 0, TimeSpan.Zero, null)]));
        (await host.ClaimAsync("relay-a")).Select(m => m.Id).Should().Equal(secondEvent);
    }

    /// <summary>A transaction that stages one message and stays open until <see cref="CommitAsync"/>.</summary>
    private sealed class LateTransaction : IAsyncDisposable
    {
        private readonly AsyncServiceScope scope;
        private readonly IDbContextTransaction transaction;

        private LateTransaction(AsyncServiceScope scope, IDbContextTransaction transaction, Guid messageId)
        {
            this.scope = scope;
            this.transaction = transaction;
            MessageId = messageId;
        }

        public Guid MessageId { get; }

        public static async Task<LateTransaction> BeginAsync(StoreTestHost host, string key)
        {
            AsyncServiceScope scope = host.Services.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            IDbContextTransaction transaction = await context.Database.BeginTransactionAsync();
            OutboxStagedMessage message = scope.ServiceProvider.GetRequiredService<IOutbox>().AddRaw("orders", key, [1]);
            await context.SaveChangesAsync(); // inserted: the position is taken now
            return new LateTransaction(scope, transaction, message.Id);
        }

        public Task CommitAsync() => transaction.CommitAsync();

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await scope.DisposeAsync();
        }
    }
}

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlKeyOrderUnderConcurrencyTests(PostgreSqlServer postgres) : KeyOrderUnderConcurrencyTests(DatabaseKind.PostgreSql, postgres);

[Collection(SqlServerCollection.Name)]
public sealed class SqlServerKeyOrderUnderConcurrencyTests(SqlServerServer server) : KeyOrderUnderConcurrencyTests(DatabaseKind.SqlServer, server);
