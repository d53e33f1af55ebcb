using System.Transactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;
using Outbox.TestSupport.Servers;
using Outbox.TestSupport.SqlServer;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary>Staging events in the application's own unit of work, on a real database of each kind.</summary>
public abstract class EntityFrameworkOutboxTests(DatabaseKind kind, IDatabaseServer? server) : IAsyncLifetime
{
    private StoreTestHost host = null!;

    private protected StoreTestHost Host => host;

    public async Task InitializeAsync() => host = await StoreTestHost.CreateAsync(kind, server);

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync(); // null when the server was missing and the test skipped
        }
    }

    [SkippableFact]
    public async Task Add_SavedBySaveChanges_StoresTheRowWithTheBusinessChangeAndWakesTheRelay()
    {
        IReadOnlyList<OutboxMessage> written = await host.WriteAsync(2);

        List<OutboxMessage> rows = await host.ReadAllAsync();
        rows.Select(r => r.Id).Should().Equal(written.Select(m => m.Id));
        rows.Should().OnlyContain(r => r.Status == OutboxStatus.Init && r.Attempts == 0);
        await using TestDbContext context = host.Database.CreateContext();
        (await context.Orders.CountAsync()).Should().Be(2);
        host.Signal.Count.Should().Be(1, "one SaveChanges committed outbox rows");
    }

    [SkippableFact]
    public async Task Add_ExplicitTransactionCommitted_RowsExistAndTheRelayIsWokenAtCommit()
    {
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<IOutbox>();

        await using (var transaction = await context.Database.BeginTransactionAsync())
        {
            context.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "a" });
            outbox.Add("orders", "a", new OrderPlaced(Guid.NewGuid(), "a", 1));
            await context.SaveChangesAsync();
            outbox.AddRaw("orders", "a", [1, 2, 3], "Raw");
            await context.SaveChangesAsync();
            host.Signal.Count.Should().Be(0, "nothing is visible before the commit");
            await transaction.CommitAsync();
        }

        host.Signal.Count.Should().Be(1);
        List<OutboxMessage> rows = await host.ReadAllAsync();
        rows.Should().HaveCount(2);
        rows[1].Payload.Should().Equal(1, 2, 3);
        rows[1].Type.Should().Be("Raw");
    }

    [SkippableFact]
    public async Task Add_TransactionRolledBack_LeavesNoRowAndDoesNotWakeTheRelay()
    {
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<IOutbox>();

        await using (var transaction = await context.Database.BeginTransactionAsync())
        {
            context.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "a" });
            outbox.Add("orders", "a", new OrderPlaced(Guid.NewGuid(), "a", 1));
            await context.SaveChangesAsync();
            await transaction.RollbackAsync();
        }

        (await host.ReadAllAsync()).Should().BeEmpty();
        await using TestDbContext check = host.Database.CreateContext();
        (await check.Orders.CountAsync()).Should().Be(0);
        host.Signal.Count.Should().Be(0);
    }

    [SkippableFact]
    public async Task Add_TransactionDisposedWithoutCommit_ItsMessagesAreForgottenByTheContextsNextTransaction()
    {
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<IOutbox>();
        await using (await context.Database.BeginTransactionAsync())
        {
            outbox.Add("orders", "a", new OrderPlaced(Guid.NewGuid(), "a", 1));
            await context.SaveChangesAsync();
        } // disposed: rolled back by the database, no Rollback call

        context.ChangeTracker.Clear();
        await using (var next = await context.Database.BeginTransactionAsync())
        {
            context.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "b" });
            await context.SaveChangesAsync();
            await next.CommitAsync();
        }

        (await host.ReadAllAsync()).Should().BeEmpty();
        host.Signal.Count.Should().Be(0, "the committed transaction saved no outbox message");
    }

    [SkippableFact]
    public async Task Add_InATransactionScope_WakesTheRelayOnlyAfterTheScopeCommits()
    {
        SkipWhereEfCoreRefusesAmbientTransactions();
        OutboxStagedMessage staged;
        using (var ambient = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            context.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "a" });
            staged = scope.ServiceProvider.GetRequiredService<IOutbox>().Add("orders", "a", new OrderPlaced(Guid.NewGuid(), "a", 1));
            await context.SaveChangesAsync();
            host.Signal.Count.Should().Be(0, "the scope has not committed: the relay would find nothing");
            ambient.Complete();
        }

        host.Signal.Count.Should().Be(1, "the scope committed");
        OutboxMessage row = (await host.ReadAllAsync()).Single();
        row.Id.Should().Be(staged.Id);
        row.Status.Should().Be(OutboxStatus.Init, "a commit the interceptors do not see is never a direct send");
    }

    [SkippableFact]
    public async Task Add_InATransactionScopeNotCompleted_LeavesNoRowAndDoesNotWakeTheRelay()
    {
        SkipWhereEfCoreRefusesAmbientTransactions();
        using (new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            context.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "a" });
            scope.ServiceProvider.GetRequiredService<IOutbox>().Add("orders", "a", new OrderPlaced(Guid.NewGuid(), "a", 1));
            await context.SaveChangesAsync();
        }

        (await host.ReadAllAsync()).Should().BeEmpty();
        await using TestDbContext check = host.Database.CreateContext();
        (await check.Orders.CountAsync()).Should().Be(0);
        host.Signal.Count.Should().Be(0);
    }

    /// <summary>EF Core's SQLite provider refuses every save inside a TransactionScope (<c>SqliteOutboxTests</c> tests that it does).</summary>
    private void SkipWhereEfCoreRefusesAmbientTransactions() =>
        Skip.If(kind == DatabaseKind.Sqlite, "EF Core's SQLite provider does not support ambient transactions: SaveChanges throws AmbientTransactionWarning as an error");

    [SkippableTheory]
    [InlineData("topic")]
    [InlineData("payload-null")]
    [InlineData("payload-size")]
    [InlineData("key")]
    public async Task Add_BadInput_ThrowsNamingTheParameterAndTheRestOfTheTransactionCommits(string bad)
    {
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<IOutbox>();
        await using var transaction = await context.Database.BeginTransactionAsync();
        context.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "kept" });
        OutboxStagedMessage good = outbox.Add("orders", "k", new OrderPlaced(Guid.NewGuid(), "kept", 1));

        Action act = bad switch
        {
            "topic" => () => outbox.Add(new string('t', 250), "k", new OrderPlaced(Guid.NewGuid(), "x", 1)), // the table's topic column holds 249; no transport here declares a topic rule
            "payload-null" => () => outbox.Add<OrderPlaced?>("orders", "k", null),
            "payload-size" => () => outbox.AddRaw("orders", "k", new byte[1_000_000]), // over the default 1,000,000-byte record with its headers
            _ => () => outbox.AddRaw("orders", new string('k', 451), [1]),
        };

        string expectedParameter = bad.StartsWith("payload", StringComparison.Ordinal) ? "payload" : bad;
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be(expectedParameter);
        await context.SaveChangesAsync();
        await transaction.CommitAsync();
        (await host.ReadAllAsync()).Select(r => r.Id).Should().Equal(good.Id);
        await using TestDbContext check = host.Database.CreateContext();
        (await check.Orders.SingleAsync()).Customer.Should().Be("kept");
    }
}

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlOutboxTests(PostgreSqlServer postgres) : EntityFrameworkOutboxTests(DatabaseKind.PostgreSql, postgres);

public sealed class SqliteOutboxTests() : EntityFrameworkOutboxTests(DatabaseKind.Sqlite, null)
{
    [Fact]
    public async Task Add_InATransactionScope_EfCoreRefusesTheSaveAndNothingIsStoredOrSignalled()
    {
        using (new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await using AsyncServiceScope scope = Host.Services.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            context.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "a" });
            scope.ServiceProvider.GetRequiredService<IOutbox>().Add("orders", "a", new OrderPlaced(Guid.NewGuid(), "a", 1));

            Func<Task> save = () => context.SaveChangesAsync();

            (await save.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*AmbientTransactionWarning*");
        }

        (await Host.ReadAllAsync()).Should().BeEmpty();
        Host.Signal.Count.Should().Be(0);
    }
}

[Collection(SqlServerCollection.Name)]
public sealed class SqlServerOutboxTests(SqlServerServer server) : EntityFrameworkOutboxTests(DatabaseKind.SqlServer, server);
