using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Outbox;
using Outbox.EntityFrameworkCore.Interception;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.EntityFrameworkCore.Storage;
using Outbox.Storage;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Stages outbox messages into a given DbContext instance.</summary>
public static class OutboxDbContextExtensions
{
    /// <summary>
    /// Gets an <see cref="IOutbox"/> that stages into <paramref name="context"/> itself, for
    /// contexts the application creates (<c>IDbContextFactory&lt;TContext&gt;.CreateDbContext()</c>,
    /// <c>PooledDbContextFactory</c>): the scoped <see cref="IOutbox"/> stages into the scope's
    /// context, which a factory-made context's <c>SaveChanges</c> never saves. The messages are saved by
    /// <paramref name="context"/>'s next <c>SaveChanges</c>, in its transaction, as with the scoped one.
    /// </summary>
    /// <param name="context">A context of the type registered with <c>UseEntityFrameworkCore&lt;TContext&gt;()</c>, created by the host's services (<c>AddDbContext</c>, <c>AddDbContextFactory</c>, <c>AddPooledDbContextFactory</c>).</param>
    /// <returns>The outbox of <paramref name="context"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The context was not created by a host that called <c>AddOutbox().UseEntityFrameworkCore&lt;TContext&gt;()</c> for its type, so no relay would read what it saves.</exception>
    public static IOutbox GetOutbox(this DbContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        IServiceProvider? services = context.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider;
        Type type = context.GetType();
        if (services?.GetService(typeof(OutboxSql.Cache<>).MakeGenericType(type)) is null || services.GetService<OutboxMessageFactory>() is not { } factory)
        {
            throw new InvalidOperationException(
                $"This {type.Name} was not created by a host that registered it with AddOutbox().UseEntityFrameworkCore<{type.Name}>(), so no relay reads its outbox table. " +
                "Create it through the host's AddDbContext or AddDbContextFactory registration, or stage through the context type the outbox uses.");
        }

        return new EntityFrameworkOutbox<DbContext>(context, factory, services.GetService<IOutboxLogStaging>());
    }
}
