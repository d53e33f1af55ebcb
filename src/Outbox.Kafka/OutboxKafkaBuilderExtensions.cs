using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Outbox;
using Outbox.Kafka;
using Outbox.Kafka.Confirmation;
using Outbox.Kafka.Diagnostics;
using Outbox.Transport;

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
    /// Sends outbox messages to Kafka, configured from a configuration section, bound by the
    /// configuration binder (generated code, no reflection). The keys, each an
    /// <see cref="OutboxKafkaOptions"/> property:
    /// <list type="bullet">
    /// <item><c>BootstrapServers</c>: the broker list, <c>host:port</c> comma separated.</item>
    /// <item><c>SendTimeout</c>: a duration such as <c>00:00:05</c>.</item>
    /// <item><c>ConfirmationMode</c>: <c>DeliveryReport</c> or <c>Consumer</c> (any case).</item>
    /// <item><c>ConfirmationGroupId</c>: the confirmation consumer's group.</item>
    /// <item><c>ConfirmationTopics</c>: a list (<c>ConfirmationTopics:0</c>, <c>ConfirmationTopics:1</c>, … or a JSON array).</item>
    /// <item><c>Producer</c>: a sub-section of producer settings, named either as librdkafka names
    /// them (<c>"linger.ms": "5"</c>, <c>"sasl.mechanism": "PLAIN"</c>) or as the
    /// <see cref="ProducerConfig"/> properties (<c>"LingerMs": 5</c>, <c>"SaslMechanism": "Plain"</c>).</item>
    /// <item><c>Consumer</c>: the confirmation consumer's settings, named either way as well (<see cref="ConsumerConfig"/>).</item>
    /// </list>
    /// Keys the options do not have are ignored. Calling it again binds the section again onto the
    /// same options; the transport is registered once.
    /// </summary>
    /// <param name="builder">The outbox builder from <c>AddOutbox</c>.</param>
    /// <param name="configuration">The section, for example <c>builder.Configuration.GetSection("Outbox:Kafka")</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <remarks>A value that does not convert (a <c>SendTimeout</c> that is not a duration, an unknown <c>ConfirmationMode</c>) fails when the options are first used, naming the value and the key.</remarks>
    public static IOutboxBuilder UseKafka(this IOutboxBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<OutboxKafkaOptions>()
            .Bind(configuration)
            .Configure(options => BindLibrdkafkaNames(configuration, options))
            .ValidateOnStart();
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

    /// <summary>
    /// Sets the <c>Producer</c> and <c>Consumer</c> keys named as librdkafka names them
    /// (<c>linger.ms</c>, <c>sasl.mechanism</c>): the binder knows only the Confluent property
    /// names (<c>LingerMs</c>), and a key with a dot is none of them.
    /// </summary>
    private static void BindLibrdkafkaNames(IConfiguration configuration, OutboxKafkaOptions options)
    {
        SetDottedKeys(configuration.GetSection(nameof(OutboxKafkaOptions.Producer)), options.Producer);
        SetDottedKeys(configuration.GetSection(nameof(OutboxKafkaOptions.Consumer)), options.Consumer);
    }

    private static void SetDottedKeys(IConfigurationSection section, ClientConfig config)
    {
        foreach (IConfigurationSection entry in section.GetChildren())
        {
            if (entry.Key.Contains('.', StringComparison.Ordinal) && entry.Value is not null)
            {
                config.Set(entry.Key, entry.Value);
            }
        }
    }
}
