using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

public sealed class OutboxModelValidatorTests
{
    [Fact]
    public async Task HostStart_DbContextWithoutOutboxModel_FailsSayingToCallAddOutboxMessages()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddDbContext<NoOutboxDbContext>(o => o.UseSqlite("Data Source=:memory:"));
        builder.Services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<NoOutboxDbContext>();
        using IHost host = builder.Build();

        Func<Task> start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*NoOutboxDbContext has no outbox table*modelBuilder.AddOutboxMessages()*");
    }

    [Fact]
    public void Add_DbContextWithoutOutboxModel_ThrowsSayingToCallAddOutboxMessagesAndStagesNothing()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDbContext<NoOutboxDbContext>(o => o.UseSqlite("Data Source=:memory:"));
        services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<NoOutboxDbContext>();
        using ServiceProvider provider = services.BuildServiceProvider();
        using IServiceScope scope = provider.CreateScope();

        Action act = () => scope.ServiceProvider.GetRequiredService<IOutbox>().AddRaw("orders", null, [1]);

        // Options are validated on first use too, so this is the same message the host gives at start.
        act.Should().Throw<OptionsValidationException>().WithMessage("*NoOutboxDbContext has no outbox table*AddOutboxMessages*");
        scope.ServiceProvider.GetRequiredService<NoOutboxDbContext>().ChangeTracker.Entries().Should().BeEmpty();
    }

    [Fact]
    public async Task HostStart_DbContextWithOutboxModel_BuildsItsRelationalModelBeforeFirstUse()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddDbContext<FirstUseDbContext>(o => o.UseSqlite("Data Source=:memory:"));
        builder.Services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<FirstUseDbContext>();
        using IHost host = builder.Build();

        await host.StartAsync();

        // EF Core builds the relational model at its first use, and that first use is not safe
        // for concurrent callers (see OutboxModelValidator): after start it must already be built.
        using IServiceScope scope = host.Services.CreateScope();
        IModel model = scope.ServiceProvider.GetRequiredService<FirstUseDbContext>().Model;
        model.FindRuntimeAnnotation(RelationalAnnotationNames.RelationalModel).Should().NotBeNull(
            "the first SaveChanges calls after start must find the relational model built, not race to build it");
        await host.StopAsync();
    }

    /// <summary>A context type of this test alone: EF Core keeps one model per context type and process, so no other test built this one's relational model.</summary>
    private sealed class FirstUseDbContext(DbContextOptions<FirstUseDbContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddOutboxMessages();
    }

    private sealed class NoOutboxDbContext(DbContextOptions<NoOutboxDbContext> options) : DbContext(options);
}
