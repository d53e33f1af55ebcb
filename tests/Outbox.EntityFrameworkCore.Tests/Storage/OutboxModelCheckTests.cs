using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Outbox.EntityFrameworkCore.DependencyInjection;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary><see cref="OutboxModelCheck{TContext}"/>: the model check of <c>UseEntityFrameworkCore</c>, run when the host starts (not in an options validator: it builds a context).</summary>
public sealed class OutboxModelCheckTests
{
    [Fact]
    public async Task HostStart_DbContextWithoutOutboxModel_FailsSayingToCallAddOutboxMessages()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddDbContext<NoOutboxDbContext>(o => o.UseSqlite("Data Source=:memory:"));
        builder.Services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<NoOutboxDbContext>();
        using IHost host = builder.Build();

        Func<Task> start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*NoOutboxDbContext has no outbox table*modelBuilder.AddOutboxMessages()*");
    }

    [Fact]
    public async Task HostStart_DbContextNotRegistered_FailsSayingToCallAddDbContext()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<NoOutboxDbContext>();
        using IHost host = builder.Build();

        Func<Task> start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*UseEntityFrameworkCore<NoOutboxDbContext>() needs NoOutboxDbContext registered*AddDbContext<NoOutboxDbContext>*");
    }

    [Fact]
    public void OptionsValidation_DbContextWithoutOutboxModel_BuildsNoContext()
    {
        // The options validators do no I/O: the model check is the host's start-up work, so the
        // options of a misconfigured context are still valid (the start and the first Add fail).
        var services = new ServiceCollection().AddLogging();
        services.AddDbContext<NoOutboxDbContext>(o => o.UseSqlite("Data Source=:memory:"));
        services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<NoOutboxDbContext>();
        using ServiceProvider provider = services.BuildServiceProvider();

        Action resolve = () => _ = provider.GetRequiredService<IOptions<OutboxOptions>>().Value;

        resolve.Should().NotThrow();
        services.Should().NotContain(d => d.ServiceType == typeof(IValidateOptions<OutboxOptions>) && d.ImplementationType!.Name.StartsWith("OutboxModel", StringComparison.Ordinal));
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

        // Without a host start, the first Add gives the message the host gives at start.
        act.Should().Throw<InvalidOperationException>().WithMessage("*NoOutboxDbContext has no outbox table*AddOutboxMessages*");
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
        // for concurrent callers (see OutboxModelCheck): after start it must already be built.
        using IServiceScope scope = host.Services.CreateScope();
        IModel model = scope.ServiceProvider.GetRequiredService<FirstUseDbContext>().Model;
        model.FindRuntimeAnnotation(RelationalAnnotationNames.RelationalModel).Should().NotBeNull(
            "the first SaveChanges calls after start must find the relational model built, not race to build it");
        await host.StopAsync();
    }

    [Fact]
    public async Task Inbox_DbContextWithoutInboxModel_ThrowsSayingToCallAddOutboxInbox()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDbContext<FirstUseDbContext>(o => o.UseSqlite("Data Source=:memory:"));
        services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<FirstUseDbContext>();
        await using ServiceProvider provider = services.BuildServiceProvider();
        await using AsyncServiceScope scope = provider.CreateAsyncScope();

        Func<Task> record = () => scope.ServiceProvider.GetRequiredService<Outbox.Inbox.IOutboxInbox>().TryRecordAsync("billing", Guid.NewGuid()).AsTask();

        (await record.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*FirstUseDbContext's model has no inbox table*modelBuilder.AddOutboxInbox()*");
    }

    /// <summary>A context type of this test alone: EF Core keeps one model per context type and process, so no other test built this one's relational model.</summary>
    private sealed class FirstUseDbContext(DbContextOptions<FirstUseDbContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddOutboxMessages();
    }

    private sealed class NoOutboxDbContext(DbContextOptions<NoOutboxDbContext> options) : DbContext(options);
}
