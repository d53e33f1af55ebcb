using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Outbox;
using Outbox.Administration;
using Outbox.Cleanup;
using Outbox.Confirmation;
using Outbox.DependencyInjection;
using Outbox.Diagnostics;
using Outbox.Direct;
using Outbox.Relay;
using Outbox.Storage;
using Outbox.Transport;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the outbox in a service collection.</summary>
public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// Adds the outbox core with default options: the message factory, the relay and its hosted
    /// service. Add a store and a transport on the returned builder. Calling it again is harmless.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder for the store and transport.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IOutboxBuilder AddOutbox(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddCore(services, services.AddOptions<OutboxOptions>());
    }

    /// <summary>
    /// Adds the outbox core: options (validated when the host starts), the message factory, the
    /// relay and its hosted service. Add a store and a transport on the returned builder.
    /// Calling it again is harmless; every <paramref name="configure"/> given runs once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures <see cref="OutboxOptions"/>.</param>
    /// <returns>A builder for the store and transport.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IOutboxBuilder AddOutbox(this IServiceCollection services, Action<OutboxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return AddCore(services, services.AddOptions<OutboxOptions>().Configure(configure));
    }

    /// <summary>
    /// Adds the outbox core with <see cref="OutboxOptions"/> bound from a configuration section
    /// by the configuration binder (for example <c>builder.Configuration.GetSection("Outbox")</c>).
    /// Each option is a key of its name: <c>RelayName</c>, <c>EnableRelay</c>, <c>DirectSend</c>,
    /// <c>PollingInterval</c>, <c>BatchSize</c>, <c>MaxConcurrentBatches</c>, <c>LeaseDuration</c>,
    /// <c>MaxAttempts</c>, <c>RetryDelay</c>, <c>MaxRetryDelay</c>, <c>PreserveKeyOrder</c>,
    /// <c>CompletedRetention</c>, <c>DeadRetention</c>, <c>CleanupInterval</c>,
    /// <c>CleanupBatchSize</c>, <c>BacklogRefreshInterval</c> (durations as <c>00:00:01</c>);
    /// set <see cref="OutboxOptions.JsonSerializerOptions"/> in code. See the other overload.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>A builder for the store and transport.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    public static IOutboxBuilder AddOutbox(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        // The reflection binder: the binder's source generator refuses OutboxOptions because of its
        // JsonSerializerOptions property (SYSLIB1100/1101: converters, policies, resolvers).
        return AddCore(services, services.AddOptions<OutboxOptions>().Bind(configuration));
    }

    private static OutboxBuilder AddCore(IServiceCollection services, OptionsBuilder<OutboxOptions> options)
    {
        if (services.Any(d => d.ServiceType == typeof(OutboxSignal)))
        {
            return new OutboxBuilder(services);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxOptions>, OutboxOptionsFieldValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new OutboxMessageFactory(
            sp.GetRequiredService<IOptions<OutboxOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IOutboxTransport>()?.Limits ?? OutboxTransportLimits.Default));
        services.TryAddSingleton<OutboxSignal>();
        services.TryAddSingleton<IOutboxSignal>(sp => sp.GetRequiredService<OutboxSignal>());
        services.TryAddSingleton(sp => new OutboxMetrics(sp.GetService<IMeterFactory>(), sp.GetRequiredService<IOptions<OutboxOptions>>()));
        // Each part asks for its own contract; a store registers itself as the whole IOutboxStore.
        services.TryAddScoped<IOutboxRelayStore>(sp => sp.GetRequiredService<IOutboxStore>());
        services.TryAddScoped<IOutboxAdminStore>(sp => sp.GetRequiredService<IOutboxStore>());
        services.TryAddScoped<IOutboxCleanupStore>(sp => sp.GetRequiredService<IOutboxStore>());
        services.TryAddScoped<IOutboxConfirmationStore>(sp => sp.GetRequiredService<IOutboxStore>());
        services.TryAddSingleton<RelayPipeline>();
        services.TryAddSingleton<IMessageRelay, MessageRelay>();
        services.TryAddSingleton<IOutboxConfirmations, OutboxConfirmations>();
        services.TryAddSingleton<DatabaseClock>();
        services.TryAddSingleton<DirectSendQueue>();
        services.TryAddSingleton<IOutboxDirectSend>(sp => sp.GetRequiredService<DirectSendQueue>());
        services.TryAddSingleton<DirectSender>();
        services.TryAddScoped<IOutboxAdmin, OutboxAdmin>();
        services.TryAddSingleton<RelayHealth>();
        services.TryAddSingleton<OutboxBacklogMonitor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxBacklogGauges>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxRelayService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxCleanupService>());
        return new OutboxBuilder(services);
    }
}
