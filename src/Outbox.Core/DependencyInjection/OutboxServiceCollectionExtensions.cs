using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Outbox;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the outbox in a service collection.</summary>
public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// Adds the outbox core: options (validated when the host starts), the message factory, the
    /// relay and its hosted service. Add a store and a transport on the returned builder.
    /// Calling it again is harmless; every <paramref name="configure"/> given runs once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures <see cref="OutboxOptions"/>, or <see langword="null"/>.</param>
    /// <returns>A builder for the store and transport.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IOutboxBuilder AddOutbox(this IServiceCollection services, Action<OutboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        OptionsBuilder<OutboxOptions> options = services.AddOptions<OutboxOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(OutboxSignal)))
        {
            return new OutboxBuilder(services);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OutboxMessageFactory>();
        services.TryAddSingleton<OutboxSignal>();
        services.TryAddSingleton<IOutboxSignal>(sp => sp.GetRequiredService<OutboxSignal>());
        services.TryAddSingleton(sp => new OutboxMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<IMessageRelay, MessageRelay>();
        services.TryAddScoped<IOutboxAdmin, OutboxAdmin>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxRelayService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxCleanupService>());
        return new OutboxBuilder(services);
    }
}
