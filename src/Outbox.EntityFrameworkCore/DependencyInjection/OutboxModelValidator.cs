using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Outbox.EntityFrameworkCore;

/// <summary>Fails host start-up when the DbContext given to <c>UseEntityFrameworkCore</c> has no outbox table or an unsupported provider.</summary>
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

        return ValidateOptionsResult.Success;
    }
}
