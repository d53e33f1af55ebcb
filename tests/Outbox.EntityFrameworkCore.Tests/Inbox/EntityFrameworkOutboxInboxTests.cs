using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Inbox;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;
using Outbox.TestSupport.Servers;
using Outbox.TestSupport.SqlServer;

namespace Outbox.EntityFrameworkCore.Tests.Inbox;

/// <summary>The inbox in the consumer's own transaction, on a real database of each kind.</summary>
public abstract class EntityFrameworkOutboxInboxTests(DatabaseKind kind, IDatabaseServer? server) : IAsyncLifetime
{
    private const string Consumer = "billing";
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
    public async Task HandleOnce_SameMessageTwice_HandlerRunsOnceAndItsChangesCommitWithTheRecord()
    {
        Guid id = Guid.CreateVersion7();

        bool first = await HandleAsync(id, "first");
        bool second = await HandleAsync(id, "second");

        first.Should().BeTrue();
        second.Should().BeFalse("the message was recorded with the first handling's changes");
        (await CustomersAsync()).Should().Equal("first");
        (await RecordCountAsync()).Should().Be(1);
    }

    [SkippableFact]
    public async Task HandleOnce_HandlerThrows_NothingIsSavedAndTheMessageIsHandledWhenItComesAgain()
    {
        Guid id = Guid.CreateVersion7();

        Func<Task> failing = () => HandleAsync(id, "failed", fail: true);

        await failing.Should().ThrowAsync<InvalidOperationException>().WithMessage("handler failed");
        (await CustomersAsync()).Should().BeEmpty();
        (await RecordCountAsync()).Should().Be(0, "the record rolled back with the handler's changes");
        (await HandleAsync(id, "retried")).Should().BeTrue();
        (await CustomersAsync()).Should().Equal("retried");
    }

    [SkippableFact]
    public async Task HandleOnce_TwoConsumers_EachHandlesTheMessageOnce()
    {
        Guid id = Guid.CreateVersion7();

        (await HandleAsync(id, "billing", consumer: "billing")).Should().BeTrue();
        (await HandleAsync(id, "shipping", consumer: "shipping")).Should().BeTrue();
        (await HandleAsync(id, "billing-again", consumer: "billing")).Should().BeFalse();

        (await CustomersAsync()).Should().BeEquivalentTo("billing", "shipping");
    }

    [SkippableFact]
    public async Task HandleOnce_NoMessageId_HandledEveryTimeWithoutARecord()
    {
        (await HandleAsync(null, "one")).Should().BeTrue();
        (await HandleAsync(null, "two")).Should().BeTrue();

        (await CustomersAsync()).Should().BeEquivalentTo("one", "two");
        (await RecordCountAsync()).Should().Be(0);
    }

    [SkippableFact]
    public async Task HandleOnce_InsideTheCallersTransaction_RollbackUndoesRecordAndChanges()
    {
        Guid id = Guid.CreateVersion7();
        await using (AsyncServiceScope scope = host.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            await using var transaction = await context.Database.BeginTransactionAsync();
            bool handled = await scope.ServiceProvider.GetRequiredService<IOutboxInbox>().HandleOnceAsync(Consumer, id, _ =>
            {
                context.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "rolled-back" });
                return Task.CompletedTask;
            });
            handled.Should().BeTrue();
            await transaction.RollbackAsync();
        }

        (await RecordCountAsync()).Should().Be(0);
        (await HandleAsync(id, "committed")).Should().BeTrue();
        (await CustomersAsync()).Should().Equal("committed");
    }

    [SkippableFact]
    public async Task HandleOnce_HandlerStagesAnOutboxMessage_SavedInTheSameTransaction()
    {
        Guid id = Guid.CreateVersion7();
        await using (AsyncServiceScope scope = host.Services.CreateAsyncScope())
        {
            var outbox = scope.ServiceProvider.GetRequiredService<IOutbox>();
            await scope.ServiceProvider.GetRequiredService<IOutboxInbox>().HandleOnceAsync(Consumer, id, _ =>
            {
                outbox.Add("invoices", "k", new OrderPlaced(Guid.NewGuid(), "invoiced", 1));
                return Task.CompletedTask;
            });
        }

        (await host.ReadAllAsync()).Should().ContainSingle().Which.Topic.Should().Be("invoices");
        host.Signal.Count.Should().Be(1, "the relay is woken after the inbox's transaction commits");
    }

    [SkippableFact]
    public async Task TryRecord_TwoTransactionsRace_TheSecondSaveFailsAndRollsBackItsChanges()
    {
        Skip.If(kind == DatabaseKind.Sqlite, "SQLite has one writer at a time: the second transaction cannot begin writing until the first ends, so there is no race to test");
        Guid id = Guid.CreateVersion7();
        await using AsyncServiceScope scopeA = host.Services.CreateAsyncScope();
        await using AsyncServiceScope scopeB = host.Services.CreateAsyncScope();
        var contextA = scopeA.ServiceProvider.GetRequiredService<TestDbContext>();
        var contextB = scopeB.ServiceProvider.GetRequiredService<TestDbContext>();
        await using var transactionA = await contextA.Database.BeginTransactionAsync();
        await using var transactionB = await contextB.Database.BeginTransactionAsync();

        (await scopeA.ServiceProvider.GetRequiredService<IOutboxInbox>().TryRecordAsync(Consumer, id)).Should().BeTrue();
        (await scopeB.ServiceProvider.GetRequiredService<IOutboxInbox>().TryRecordAsync(Consumer, id)).Should().BeTrue("A has not committed: B cannot see its record yet");
        contextA.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "A" });
        contextB.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "B" });
        await contextA.SaveChangesAsync();
        Task saveB = contextB.SaveChangesAsync(); // waits for A's key
        await transactionA.CommitAsync();

        await saveB.Invoking(t => t).Should().ThrowAsync<DbUpdateException>("the primary key refuses a second record of the message");
        await transactionB.RollbackAsync();
        (await CustomersAsync()).Should().Equal("A");
    }

    [SkippableFact]
    public async Task TryRecord_BadInput_ThrowsNamingTheParameter()
    {
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        IOutboxInbox inbox = scope.ServiceProvider.GetRequiredService<IOutboxInbox>();

        (await inbox.Invoking(i => i.TryRecordAsync("", Guid.NewGuid()).AsTask()).Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("consumer");
        (await inbox.Invoking(i => i.TryRecordAsync(new string('c', IOutboxInbox.MaxConsumerLength + 1), Guid.NewGuid()).AsTask()).Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("consumer");
        (await inbox.Invoking(i => i.TryRecordAsync(Consumer, Guid.Empty).AsTask()).Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("messageId");
        (await inbox.Invoking(i => i.HandleOnceAsync(Consumer, Guid.Empty, _ => Task.CompletedTask)).Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("messageId");
        (await RecordCountAsync()).Should().Be(0);
    }

    [SkippableFact]
    public async Task Cleanup_DeletesRecordsOlderThanTheRetentionOnly()
    {
        Guid old = Guid.CreateVersion7();
        Guid recent = Guid.CreateVersion7();
        await HandleAsync(old, "old");
        await HandleAsync(recent, "recent");
        await using (TestDbContext context = host.Database.CreateContext())
        {
            await context.Database.ExecuteSqlRawAsync(
                "UPDATE inbox_messages SET received_at = {0} WHERE message_id = {1}", DateTime.UtcNow - new OutboxOptions().InboxRetention - TimeSpan.FromHours(1), old);
        }

        int? deleted = await host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>()
            .OfType<Outbox.EntityFrameworkCore.Inbox.InboxCleanupService<TestDbContext>>().Single().CleanOnceAsync(CancellationToken.None);

        deleted.Should().Be(1);
        (await HandleAsync(recent, "recent-again")).Should().BeFalse("a record within the retention is kept");
        (await HandleAsync(old, "old-again")).Should().BeTrue("an expired record is gone: past the retention nothing is redelivered");
    }

    private async Task<bool> HandleAsync(Guid? id, string customer, bool fail = false, string consumer = Consumer)
    {
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        return await scope.ServiceProvider.GetRequiredService<IOutboxInbox>().HandleOnceAsync(consumer, id, _ =>
        {
            context.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = customer });
            return fail ? throw new InvalidOperationException("handler failed") : Task.CompletedTask;
        });
    }

    private async Task<List<string>> CustomersAsync()
    {
        await using TestDbContext context = host.Database.CreateContext();
        return await context.Orders.Select(o => o.Customer).ToListAsync();
    }

    private async Task<int> RecordCountAsync()
    {
        await using TestDbContext context = host.Database.CreateContext();
        return await context.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM inbox_messages").SingleAsync();
    }
}

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlOutboxInboxTests(PostgreSqlServer postgres) : EntityFrameworkOutboxInboxTests(DatabaseKind.PostgreSql, postgres);

public sealed class SqliteOutboxInboxTests() : EntityFrameworkOutboxInboxTests(DatabaseKind.Sqlite, null);

[Collection(SqlServerCollection.Name)]
public sealed class SqlServerOutboxInboxTests(SqlServerServer server) : EntityFrameworkOutboxInboxTests(DatabaseKind.SqlServer, server);
