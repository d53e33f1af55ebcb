using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Storage;
using Outbox.TestSupport.Data;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary>Contexts the application creates with <c>IDbContextFactory</c> stage through <see cref="OutboxDbContextExtensions.GetOutbox"/> (SQLite).</summary>
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
    public void GetOutbox_ContextNotFromTheOutboxHost_ThrowsNamingTheFix()
    {
        using TestDbContext context = database.CreateContext(); // built by hand: no host, no relay reads it

        Action get = () => context.GetOutbox();

        get.Should().Throw<InvalidOperationException>().WithMessage("*UseEntityFrameworkCore<TestDbContext>()*AddDbContextFactory*");
    }
}
