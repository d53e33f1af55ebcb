using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Storage;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.SqlServer;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary>
/// What a SQL Server expert checks in the claim, on a real server (skipped, with the reason
/// printed, where none is configured and no Docker engine answers): it never waits for an
/// application's uncommitted insert, it never takes a table lock, it works on a table with
/// triggers, its SET options end with it, and relays, writers and the confirmation consumer
/// together never deadlock.
/// </summary>
[Collection(SqlServerCollection.Name)]
public sealed class SqlServerLockingTests(SqlServerServer server) : IAsyncLifetime
{
    private StoreTestHost host = null!;

    public async Task InitializeAsync() => host = await StoreTestHost.CreateAsync(DatabaseKind.SqlServer, server);

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync(); // null when there is no SQL Server and the test skipped
        }
    }

    [SkippableFact]
    public async Task Claim_WhileAnApplicationTransactionHoldsAnUncommittedInsert_SkipsItWithoutWaiting()
    {
        IReadOnlyList<OutboxMessage> committed = await host.WriteAsync(3, key: null);
        await using AsyncServiceScope writer = host.Services.CreateAsyncScope();
        var context = writer.ServiceProvider.GetRequiredService<TestDbContext>();
        await using IDbContextTransaction open = await context.Database.BeginTransactionAsync();
        OutboxStagedMessage pending = writer.ServiceProvider.GetRequiredService<IOutbox>().AddRaw("orders", "k", [1]);
        await context.SaveChangesAsync(); // inserted, X-locked until the commit

        IReadOnlyList<OutboxMessage> claimed = await host.ClaimAsync("relay-a").WaitAsync(TimeSpan.FromSeconds(10));

        claimed.Select(m => m.Id).Should().Equal(committed.Select(m => m.Id), "READPAST skips the uncommitted row instead of waiting for its transaction");
        await open.CommitAsync();
        (await host.ClaimAsync("relay-a")).Select(m => m.Id).Should().Equal(pending.Id);
    }

    [SkippableFact]
    public async Task Claim_BacklogPastTheEscalationThreshold_TakesAtMostOneThousandRowsAndNoTableLock()
    {
        await InsertBacklogAsync(6_000);
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<IOutboxStore>();
        await using IDbContextTransaction transaction = await context.Database.BeginTransactionAsync(); // keeps the claim's locks for the look

        IReadOnlyList<OutboxMessage> claimed = await store.ClaimAsync(new OutboxClaim("relay-a", 10_000, TimeSpan.FromMinutes(1), PreserveKeyOrder: false));
        List<LockRow> locks = await context.Database.SqlQueryRaw<LockRow>(
            """
            SELECT resource_type AS ResourceType, request_mode AS RequestMode, COUNT(*) AS Count
            FROM sys.dm_tran_locks
            WHERE request_session_id = @@SPID AND resource_database_id = DB_ID()
              AND (resource_type <> 'OBJECT' OR resource_associated_entity_id = OBJECT_ID('outbox_messages'))
            GROUP BY resource_type, request_mode
            """).ToListAsync();
        await transaction.RollbackAsync();

        claimed.Should().HaveCount(1_000);
        locks.Where(l => l.ResourceType == "OBJECT").Select(l => l.RequestMode).Should().OnlyContain(mode => mode == "IX", "escalation would have made it X: a table lock that blocks every insert");
        locks.Where(l => l.ResourceType == "KEY").Sum(l => l.Count).Should().BeGreaterThanOrEqualTo(1_000);
    }

    [SkippableFact]
    public async Task ClaimAndOutcomes_TableWithATrigger_ReturnClaimedRowsThroughOutputInto()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(3, key: null);
        await using (TestDbContext context = host.Database.CreateContext())
        {
            await context.Database.ExecuteSqlRawAsync("CREATE TABLE outbox_audit (id uniqueidentifier NOT NULL, status int NOT NULL)");
            await context.Database.ExecuteSqlRawAsync("CREATE TRIGGER outbox_messages_audit ON outbox_messages AFTER INSERT, UPDATE, DELETE AS SET NOCOUNT ON; INSERT INTO outbox_audit (id, status) SELECT id, status FROM inserted;");
        }

        IReadOnlyList<OutboxMessage> claimed = await host.ClaimAsync("relay-a");
        int applied = await host.WithStoreAsync(store => store.RecordOutcomesAsync(claimed.Select(m => new OutboxOutcome(m.Id, "relay-a", OutboxStatus.Complete, 0, TimeSpan.Zero, null)).ToList()));

        claimed.Select(m => m.Id).Should().Equal(written.Select(m => m.Id));
        applied.Should().Be(3);
        await using TestDbContext check = host.Database.CreateContext();
        (await check.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS Value FROM outbox_audit").SingleAsync()).Should().Be(6, "the trigger saw the claim and the outcomes");
    }

    [SkippableFact]
    public async Task Bookkeeping_OnAConnectionTheCallerHoldsOpen_LeavesItsSetOptionsAsTheyWere()
    {
        await host.WriteAsync(2, key: null);
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<IOutboxStore>();
        await context.Database.OpenConnectionAsync();
        int before = await OptionsAsync(context);

        IReadOnlyList<OutboxMessage> claimed = await store.ClaimAsync(new OutboxClaim("relay-a", 10, TimeSpan.FromMinutes(1), PreserveKeyOrder: true));
        int applied = await store.RecordOutcomesAsync(claimed.Select(m => new OutboxOutcome(m.Id, "relay-a", OutboxStatus.Complete, 0, TimeSpan.Zero, null)).ToList());
        int after = await OptionsAsync(context);

        (claimed.Count, applied).Should().Be((2, 2));
        after.Should().Be(before, "SET NOCOUNT / XACT_ABORT / isolation level in the script end with its sp_executesql");
    }

    [SkippableFact]
    public async Task TwoRelaysWritersAndAConfirmer_AtOnce_NoDeadlockAndEveryMessageCompletes()
    {
        const int total = 1_500;
        int written = 0, completed = 0;
        var errors = new ConcurrentQueue<Exception>();
        var inFlight = new ConcurrentQueue<Guid>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        async Task Guard(Func<Task> work)
        {
            try
            {
                await work();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                errors.Enqueue(e);
                await stop.CancelAsync();
            }
        }

        Task Writer(int w) => Guard(async () =>
        {
            while (Interlocked.Add(ref written, 10) <= total)
            {
                await host.WriteAsync(10, key: w % 2 == 0 ? "key-" + (written % 7) : null);
            }
        });

        Task Relay(int r) => Guard(async () =>
        {
            var random = new Random(r);
            for (int pass = 0; Volatile.Read(ref completed) < total && !stop.IsCancellationRequested; pass++)
            {
                string owner = $"relay-{r}";
                IReadOnlyList<OutboxMessage> claimed = await host.ClaimAsync(owner, batchSize: 50, lease: TimeSpan.FromSeconds(30));
                var outcomes = new List<OutboxOutcome>();
                foreach (OutboxMessage m in claimed)
                {
                    if (random.Next(4) == 0)
                    {
                        inFlight.Enqueue(m.Id); // left PUBLISH for the confirmer
                    }
                    else
                    {
                        outcomes.Add(random.Next(5) == 0
                            ? new OutboxOutcome(m.Id, owner, OutboxStatus.Init, 1, TimeSpan.Zero, "retry")
                            : new OutboxOutcome(m.Id, owner, OutboxStatus.Complete, 0, TimeSpan.Zero, null));
                    }
                }

                await host.WithStoreAsync(store => store.RecordOutcomesAsync(outcomes));
                Interlocked.Add(ref completed, outcomes.Count(o => o.Status == OutboxStatus.Complete));
                if (claimed.Count == 0)
                {
                    await Task.Delay(5);
                }
            }
        });

        Task Confirmer() => Guard(async () =>
        {
            while (Volatile.Read(ref completed) < total && !stop.IsCancellationRequested)
            {
                var ids = new List<Guid>();
                while (ids.Count < 20 && inFlight.TryDequeue(out Guid id))
                {
                    ids.Add(id);
                }

                Interlocked.Add(ref completed, await host.WithStoreAsync(store => store.ConfirmAsync(ids)));
                await Task.Delay(2);
            }
        });

        await Task.WhenAll(Writer(0), Writer(1), Relay(0), Relay(1), Confirmer());

        errors.Should().BeEmpty("a deadlock victim fails with SqlException 1205");
        List<OutboxMessage> rows = await host.ReadAllAsync();
        rows.Should().HaveCount(total).And.OnlyContain(r => r.Status == OutboxStatus.Complete);
    }

    private async Task InsertBacklogAsync(int count)
    {
        await using TestDbContext context = host.Database.CreateContext();
        await context.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO outbox_messages (id, topic, [key], payload, status, attempts)
            SELECT NEWID(), 'orders', NULL, 0x01, 0, 0
            FROM (SELECT TOP (@p0) 1 AS n FROM sys.all_columns AS a CROSS JOIN sys.all_columns AS b) AS numbers
            """,
            count);
    }

    private static async Task<int> OptionsAsync(TestDbContext context) =>
        await context.Database.SqlQueryRaw<int>(
            "SELECT @@OPTIONS * 10 + (SELECT transaction_isolation_level FROM sys.dm_exec_sessions WHERE session_id = @@SPID) AS Value").SingleAsync();

    private sealed record LockRow(string ResourceType, string RequestMode, int Count);
}
