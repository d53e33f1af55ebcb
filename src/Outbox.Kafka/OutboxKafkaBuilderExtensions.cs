using System.Diagnostics.Metrics;
using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Outbox;
using Outbox.Kafka;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Kafka transport to the outbox.</summary>
public static class OutboxKafkaBuilderExtensions
{
    /// <summary>
    /// Sends outbox messages to Kafka with an idempotent Confluent.Kafka producer. The options
    /// are validated when the host starts. Calling it again adds <paramref name="configure"/>
    /// to the same options; the transport is registered once (with <c>TryAdd</c>, so a transport
    /// registered before wins).
    /// </summary>
    /// <param name="builder">The outbox builder from <c>AddOutbox</c>.</param>
    /// <param name="configure">Configures <see cref="OutboxKafkaOptions"/>; runs once, when the options are first used.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IOutboxBuilder UseKafka(this IOutboxBuilder builder, Action<OutboxKafkaOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<OutboxKafkaOptions>().Configure(configure).ValidateOnStart();
        return AddTransport(builder);
    }

    /// <summary>
    /// Sends outbox messages to Kafka, configured from a configuration section: the keys
    /// <c>BootstrapServers</c> and <c>SendTimeout</c> (a duration such as <c>00:00:30</c>), and a
    /// <c>Producer</c> sub-section of producer settings, named either as librdkafka names them
    /// (<c>"linger.ms": "5"</c>, <c>"sasl.mechanism": "PLAIN"</c>) or as the
    /// <see cref="ProducerConfig"/> properties (<c>"LingerMs": 5</c>).
    /// </summary>
    /// <param name="builder">The outbox builder from <c>AddOutbox</c>.</param>
    /// <param name="configuration">The section, for example <c>builder.Configuration.GetSection("Outbox:Kafka")</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <remarks>A <c>SendTimeout</c> that is not a duration fails when the options are first used, naming the key.</remarks>
    public static IOutboxBuilder UseKafka(this IOutboxBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<OutboxKafkaOptions>().Configure(options => Bind(configuration, options)).ValidateOnStart();
        return AddTransport(builder);
    }

    private static IOutboxBuilder AddTransport(IOutboxBuilder builder)
    {
        IServiceCollection services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxKafkaOptions>, OutboxKafkaOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new KafkaSendTelemetry(sp.GetService<IMeterFactory>(), sp.GetService<IOptions<OutboxOptions>>()));
        if (!services.Any(d => d.ServiceType == typeof(IOutboxTransport)))
        {
            // Ours is the transport (a transport registered before wins): the warm-up gets the instance it warms.
            services.TryAddSingleton<KafkaOutboxTransport>();
            services.TryAddSingleton<IOutboxTransport>(sp => sp.GetRequiredService<KafkaOutboxTransport>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, KafkaProducerWarmup>());
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, KafkaConfirmationConsumer>());
        return builder;
    }

    private static void Bind(IConfiguration configuration, OutboxKafkaOptions options)
    {
        if (configuration[nameof(OutboxKafkaOptions.BootstrapServers)] is { Length: > 0 } servers)
        {
            options.BootstrapServers = servers;
        }

        if (configuration[nameof(OutboxKafkaOptions.SendTimeout)] is { Length: > 0 } timeout)
        {
            options.SendTimeout = TimeSpan.TryParse(timeout, CultureInfo.InvariantCulture, out TimeSpan parsed)
                ? parsed
                : throw new InvalidOperationException($"The configuration value '{PathOf(configuration, nameof(OutboxKafkaOptions.SendTimeout))}' is '{timeout}', not a duration. Write it as hh:mm:ss, for example 00:00:30.");
        }

        if (configuration[nameof(OutboxKafkaOptions.ConfirmationMode)] is { Length: > 0 } mode)
        {
            options.ConfirmationMode = Enum.TryParse(mode, ignoreCase: true, out KafkaConfirmationMode parsed)
                ? parsed
                : throw new InvalidOperationException($"The configuration value '{PathOf(configuration, nameof(OutboxKafkaOptions.ConfirmationMode))}' is '{mode}'. Use DeliveryReport or Consumer.");
        }

        if (configuration[nameof(OutboxKafkaOptions.ConfirmationGroupId)] is { Length: > 0 } group)
        {
            options.ConfirmationGroupId = group;
        }

        foreach (IConfigurationSection topic in configuration.GetSection(nameof(OutboxKafkaOptions.ConfirmationTopics)).GetChildren())
        {
            if (topic.Value is { Length: > 0 } name && !options.ConfirmationTopics.Contains(name))
            {
                options.ConfirmationTopics.Add(name);
            }
        }

        BindClientConfig(configuration.GetSection(nameof(OutboxKafkaOptions.Producer)), options.Producer);
        BindClientConfig(configuration.GetSection(nameof(OutboxKafkaOptions.Consumer)), options.Consumer);
    }

    private static void BindClientConfig(IConfigurationSection section, ClientConfig config)
    {
        // Confluent property names (LingerMs, SaslMechanism, …) through the binder...
        section.Bind(config);

        // ...and librdkafka property names (linger.ms, sasl.mechanism, …) as they are.
        foreach (IConfigurationSection entry in section.GetChildren())
        {
            if (entry.Key.Contains('.', StringComparison.Ordinal) && entry.Value is not null)
            {
                config.Set(entry.Key, entry.Value);
            }
        }
    }

    private static string PathOf(IConfiguration configuration, string key) =>
        configuration is IConfigurationSection section ? $"{section.Path}:{key}" : key;
}
