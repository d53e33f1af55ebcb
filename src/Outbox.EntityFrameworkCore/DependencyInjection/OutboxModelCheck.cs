using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Outbox.EntityFrameworkCore.Sql;

namespace Outbox.EntityFrameworkCore.DependencyInjection;

/// <summary>
/// Fails host start-up when the DbContext given to <c>UseEntityFrameworkCore</c> is not registered,
/// has no outbox table or has an unsupported provider; otherwise builds the context's relational
/// model while start-up is still one thread. It runs in <see cref="StartingAsync"/>, after the
/// options are validated and before any hosted service (the relay, the web server) starts: building
/// a context is work, not an options rule, so it is no options validator.
/// </summary>
internal sealed class OutboxModelCheck<TContext>(IServiceScopeFactory scopeFactory) : IHostedLifecycleService
    where TContext : DbContext
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Check();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Checks the context's model and builds its relational model.</summary>
    /// <exception cref="InvalidOperationException">The context is not registered, has no outbox table, or its provider is not supported; the message says what to do.</exception>
    internal void Check()
    {
        using IServiceScope scope = scopeFactory.CreateScope();
        TContext context = scope.ServiceProvider.GetService<TContext>()
            ?? throw new InvalidOperationException(
                $"UseEntityFrameworkCore<{typeof(TContext).Name}>() needs {typeof(TContext).Name} registered: call services.AddDbContext<{typeof(TContext).Name}>(...).");

        if (context.Model.FindEntityType(typeof(OutboxMessage)) is null)
        {
            throw OutboxModelMissingException.For(typeof(TContext));
        }

        try
        {
            _ = OutboxSqlDialect.For(context.Database.ProviderName);
        }
        catch (NotSupportedException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }

        // EF Core (9 and 10) builds the relational model (tables, columns) on its first use, which
        // is an application's first SaveChanges or query. That build is not safe for concurrent
        // first callers: GetRelationalModel reads the built model, then (if absent) its factory,
        // both without a lock, and the thread that builds it stores the model and then removes the
        // factory; a caller whose two reads straddle those two steps gets "The model must be
        // finalized and its runtime dependencies must be initialized before 'GetRelationalModel'
        // can be used" (efcore src/EFCore.Relational/Extensions/RelationalModelExtensions.cs).
        // Built here, once, before hosted services start and requests arrive, every later call
        // finds it on its first read. It is the work the first save would do anyway.
        _ = context.Model.GetRelationalModel();
    }
}
