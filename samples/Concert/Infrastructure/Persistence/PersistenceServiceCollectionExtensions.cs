using Microsoft.Extensions.Options;

namespace Concert.Infrastructure.Persistence;

internal static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ConcertDbContext"/> on the configured provider and the start-up
    /// initializer. Call it before <c>AddOutbox</c>: hosted services start in registration order,
    /// and the tables must exist before the relay polls.
    /// </summary>
    public static IServiceCollection AddConcertDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.SectionName));
        services.AddDbContext<ConcertDbContext>((provider, options) => options.UseConfiguredDatabase(
            provider.GetRequiredService<IOptions<DatabaseOptions>>().Value,
            configuration.GetConnectionString(DatabaseOptions.ConnectionStringName)));
        services.AddHostedService<DatabaseInitializer>();
        return services;
    }
}
