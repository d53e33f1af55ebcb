using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Storage;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary>
/// On PostgreSQL the relay's claims and outcomes commit with <c>synchronous_commit = off</c>, for
/// their own statement only: neither the pooled session nor a caller's transaction may keep it.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlRelaxedCommitTests(PostgreSqlServer postgres) : IAsyncLifetime
{
    private StoreTestHost host = null!;

    public async Task InitializeAsync() => host = await StoreTestHost.CreateAsync(DatabaseKind.PostgreSql, postgres);

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task ClaimAndRecord_OnTheirOwn_RunRelaxedAndLeaveTheSessionSettingAsItWas()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(2, key: null);
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<IOutboxStore>();
        await context.Database.OpenConnectionAsync(); // one session for the store's statements and the checks

        IReadOnlyList<OutboxMessage> claimed = await store.ClaimAsync(new OutboxClaim("relay-a", 10, TimeSpan.FromMinutes(1), PreserveKeyOrder: true));
        string afterClaim = await ShowSynchronousCommitAsync(context);
        int applied = await store.RecordOutcomesAsync(claimed.Select(m => new OutboxOutcome(m.Id, "relay-a", OutboxStatus.Complete, 0, TimeSpan.Zero, null)).ToList());
        string afterRecord = await ShowSynchronousCommitAsync(context);

        claimed.Should().HaveCount(written.Count);
        applied.Should().Be(written.Count);
        (afterClaim, afterRecord).Should().Be(("on", "on"), "set_config(…, true) ends with the statement's own transaction");
        (await host.ReadAllAsync()).Should().OnlyContain(r => r.Status == OutboxStatus.Complete);
    }

    [Fact]
    public async Task Claim_InsideACallersTransaction_KeepsTheCallersDurabilityAndRollsBackWithIt()
    {
        await host.WriteAsync(2, key: null);
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<IOutboxStore>();

        string inside;
        await using (IDbContextTransaction transaction = await context.Database.BeginTransactionAsync())
        {
            IReadOnlyList<OutboxMessage> claimed = await store.ClaimAsync(new OutboxClaim("relay-a", 10, TimeSpan.FromMinutes(1), PreserveKeyOrder: true));
            claimed.Should().HaveCount(2);
            inside = await ShowSynchronousCommitAsync(context);
            await transaction.RollbackAsync();
        }

        inside.Should().Be("on", "the caller's transaction commits with the caller's setting");
        (await host.ReadAllAsync()).Should().OnlyContain(r => r.Status == OutboxStatus.Init, "the claim was part of the rolled-back transaction");
    }

    private static async Task<string> ShowSynchronousCommitAsync(DbContext context)
    {
        await using DbCommand command = context.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SHOW synchronous_commit";
        command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
