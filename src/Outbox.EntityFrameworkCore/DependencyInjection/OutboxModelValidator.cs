using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Outbox.EntityFrameworkCore;

/// <summary>
/// Fails host start-up when the DbContext given to <c>UseEntityFrameworkCore</c> has no outbox
/// table or an unsupported provider; otherwise builds the context's relational model while start-up
/// is still one thread.
/// </summary>
internal sealed class OutboxModelValidator<TContext>(IServiceScopeFactory scopeFactory) : IValidateOptions<OutboxOptions>
    where TContext : DbContext
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        using IServiceScope scope = scopeFactory.CreateScope();
        TContext? context = scope.ServiceProvider.GetService<TContext>();
        if (context is null)
        {
            return ValidateOptionsResult.Fail(
                $"UseEntityFrameworkCore<{typeof(TContext).Name}>() needs {typeof(TContext).Name} registered: call services.AddDbContext<{typeof(TContext).Name}>(...).");
        }

        if (context.Model.FindEntityType(typeof(OutboxMessage)) is null)
        {
            return ValidateOptionsResult.Fail(OutboxModelMissingException.For(typeof(TContext)).Message);
        }

        try
        {
            _ = OutboxSqlDialect.For(context.Database.ProviderName);
        }
        catch (NotSupportedException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
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
        return ValidateOptionsResult.Success;
    }
}
