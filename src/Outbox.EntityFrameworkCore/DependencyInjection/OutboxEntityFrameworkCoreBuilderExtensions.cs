using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Outbox;
using Outbox.EntityFrameworkCore;
using Outbox.EntityFrameworkCore.AdoNet;
using Outbox.EntityFrameworkCore.DependencyInjection;
using Outbox.EntityFrameworkCore.Inbox;
using Outbox.EntityFrameworkCore.Interception;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.EntityFrameworkCore.Storage;
using Outbox.Inbox;
using Outbox.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the EF Core outbox store.</summary>
public static class OutboxEntityFrameworkCoreBuilderExtensions
{
    /// <summary>
    /// Stores outbox messages in <typeparamref name="TContext"/>'s database: registers
    /// <see cref="IOutbox"/> (stages messages in the context, saved by its <c>SaveChanges</c>),
    /// <see cref="IDbTransactionOutbox"/> (stages them into an ADO.NET transaction on the same database),
    /// the <see cref="IOutboxStore"/> the relay uses, <see cref="IOutboxInbox"/> for consumers
    /// (with <c>modelBuilder.AddOutboxInbox()</c>), and the interceptors that wake the relay
    /// when a transaction with outbox rows commits. Register the context with
    /// <c>AddDbContext</c> and call <c>modelBuilder.AddOutboxMessages()</c> in its
    /// <c>OnModelCreating</c>; the host fails at start if either is missing.
    /// </summary>
    /// <typeparam name="TContext">The application's DbContext (PostgreSQL, SQL Server or SQLite).</typeparam>
    /// <param name="builder">The outbox builder.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">
    /// The outbox already uses another DbContext type: one outbox per host. Calling it again with
    /// the same <typeparamref name="TContext"/> does nothing.
    /// </exception>
    public static IOutboxBuilder UseEntityFrameworkCore<TContext>(this IOutboxBuilder builder)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(OutboxSql.Cache<TContext>)))
        {
            return builder;
        }

        // One IOutbox, one IOutboxStore per host: a second context would be silently ignored by TryAdd.
        ServiceDescriptor? other = services.FirstOrDefault(d =>
            d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(OutboxSql.Cache<>));
        if (other is not null)
        {
            string first = other.ServiceType.GetGenericArguments()[0].Name;
            string second = typeof(TContext).Name;
            throw new InvalidOperationException(
                $"UseEntityFrameworkCore<{second}>() was called after UseEntityFrameworkCore<{first}>(): the outbox stores its messages in one DbContext per host. " +
                $"Stage all events through {first} (one database), or run a second host for {second}'s database.");
        }

        services.AddSingleton<OutboxSql.Cache<TContext>>();
        services.TryAddScoped<IOutbox, EntityFrameworkOutbox<TContext>>();
        services.TryAddScoped<IDbTransactionOutbox, DbTransactionOutbox<TContext>>();
        services.TryAddScoped<EntityFrameworkOutboxStore<TContext>>();
        services.TryAddScoped<IOutboxStore>(sp => sp.GetRequiredService<EntityFrameworkOutboxStore<TContext>>());
        services.TryAddScoped<IOutboxDirectSendStore>(sp => sp.GetRequiredService<EntityFrameworkOutboxStore<TContext>>());
        services.TryAddScoped<IOutboxInbox, EntityFrameworkOutboxInbox<TContext>>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, InboxCleanupService<TContext>>());
        services.TryAddSingleton<OutboxSaveChangesInterceptor>();
        services.TryAddSingleton<OutboxTransactionInterceptor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxModelCheck<TContext>>());
        services.ConfigureDbContext<TContext>((sp, options) =>
        {
            options.AddInterceptors(
                sp.GetRequiredService<OutboxSaveChangesInterceptor>(),
                sp.GetRequiredService<OutboxTransactionInterceptor>());

            // A store that writes events to the log (Outbox.PostgreSql) intercepts the saves that carry them.
            if (sp.GetService<IOutboxLogStaging>() is IInterceptor log)
            {
                options.AddInterceptors(log);
            }
        });
        return builder;
    }
}
