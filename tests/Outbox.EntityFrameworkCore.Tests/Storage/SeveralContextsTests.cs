using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary><c>UseEntityFrameworkCore</c> called for several DbContext types: one outbox per host.</summary>
public sealed class SeveralContextsTests
{
    [Fact]
    public void UseEntityFrameworkCore_SecondDifferentContext_ThrowsNamingBothAndTheFix()
    {
        var services = new ServiceCollection();
        IOutboxBuilder builder = services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<AppDb>();

        Action second = () => builder.UseEntityFrameworkCore<AuditDb>();

        second.Should().Throw<InvalidOperationException>()
            .WithMessage("*UseEntityFrameworkCore<AuditDb>()*after UseEntityFrameworkCore<AppDb>()*Stage all events through AppDb*second host*");
    }

    [Fact]
    public void UseEntityFrameworkCore_SameContextTwice_RegistersOnce()
    {
        var services = new ServiceCollection();
        IOutboxBuilder builder = services.AddOutbox(o => o.EnableRelay = false).UseEntityFrameworkCore<AppDb>();
        int count = services.Count;

        builder.UseEntityFrameworkCore<AppDb>();

        services.Count.Should().Be(count);
    }

    private sealed class AppDb(DbContextOptions<AppDb> options) : DbContext(options);

    private sealed class AuditDb(DbContextOptions<AuditDb> options) : DbContext(options);
}
