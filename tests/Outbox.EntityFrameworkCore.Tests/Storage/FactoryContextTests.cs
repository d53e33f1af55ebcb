using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Storage;
using Outbox.TestSupport.Data;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary>Contexts the application creates with <c>IDbContextFactory</c> stage through <see cref="OutboxDbContextExtensions.GetOutbox"/>; pooled contexts forget what a lease staged and did not save (SQLite).</summary>
public sealed class FactoryContextTests : IAsyncLifetime
{
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite, null);

    public async Task DisposeAsync() => await database.DisposeAsync();

    [Fact]
    public async Task GetOutbox_OnAFactoryMadeContext_ItsSaveChangesSavesTheMessage()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDbContextFactory<TestDbContext>(o => database.Configure(o));
        services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<TestDbContext>();
        await using ServiceProvider provider = services.BuildServiceProvider();
        IDbContextFactory<TestDbContext> factory = provider.GetRequiredService<IDbContextFactory<TestDbContext>>();

        OutboxStagedMessage staged;
        await using (TestDbContext context = await factory.CreateDbContextAsync())
        {
            context.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "ada", Amount = 1 });
            staged = context.GetOutbox().AddRaw("orders", "k", [1, 2]);
            await context.SaveChangesAsync();
        }

        await using TestDbContext check = database.CreateContext();
        OutboxMessage row = await check.Set<OutboxMessage>().SingleAsync();
        row.Id.Should().Be(staged.Id);
        row.Status.Should().Be(OutboxStatus.Init);
        (await check.Orders.CountAsync()).Should().Be(1, "the message and the business row were saved together");
    }

    [Fact]
    public async Task PooledFactory_MessageStagedButNotSaved_DoesNotLeakIntoTheNextLeaseOfThatContext()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddPooledDbContextFactory<TestDbContext>(o => database.Configure(o), poolSize: 1);
        services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<TestDbContext>();
        await using ServiceProvider provider = services.BuildServiceProvider();
        IDbContextFactory<TestDbContext> factory = provider.GetRequiredService<IDbContextFactory<TestDbContext>>();

        TestDbContext first;
        await using (first = await factory.CreateDbContextAsync())
        {
            first.GetOutbox().AddRaw("orders", "k", [1]); // abandoned: never saved
        }

        OutboxStagedMessage saved;
        await using (TestDbContext second = await factory.CreateDbContextAsync())
        {
            second.Should().BeSameAs(first, "a pool of one hands the same instance out again");
            second.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = "ada", Amount = 1 });
            await second.SaveChangesAsync();
            saved = second.GetOutbox().AddRaw("orders", "k", [2]);
            await second.SaveChangesAsync();
        }

        await using TestDbContext check = database.CreateContext();
        (await check.Set<OutboxMessage>().Select(m => m.Id).ToListAsync()).Should().Equal(saved.Id);
    }

    [Fact]
    public async Task DbContextPool_ScopedOutboxStagesIntoTheScopesPooledContext()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDbContextPool<TestDbContext>(o => database.Configure(o), poolSize: 1);
        services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<TestDbContext>();
        await using ServiceProvider provider = services.BuildServiceProvider();

        var staged = new List<Guid>();
        for (int i = 0; i < 2; i++)
        {
            await using AsyncServiceScope scope = provider.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            staged.Add(scope.ServiceProvider.GetRequiredService<IOutbox>().AddRaw("orders", "k", [(byte)i]).Id);
            if (i == 0)
            {
                await context.SaveChangesAsync();
            }

            // the second scope returns its context to the pool unsaved: that message is dropped with it
        }

        await using (AsyncServiceScope scope = provider.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TestDbContext>().SaveChangesAsync();
        }

        await using TestDbContext check = database.CreateContext();
        (await check.Set<OutboxMessage>().Select(m => m.Id).ToListAsync()).Should().Equal(staged[0]);
    }

    [Fact]
    public void GetOutbox_ContextNotFromTheOutboxHost_ThrowsNamingTheFix()
    {
        using TestDbContext context = database.CreateContext(); // built by hand: no host, no relay reads it

        Action get = () => context.GetOutbox();

        get.Should().Throw<InvalidOperationException>().WithMessage("*UseEntityFrameworkCore<TestDbContext>()*AddDbContextFactory*");
    }
}
