using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Outbox.Transport;

namespace Outbox.Kafka.Tests;

public sealed class OutboxKafkaBuilderExtensionsTests
{
    [Fact]
    public void UseKafka_Action_RegistersKafkaTransportAsSingleton()
    {
        using ServiceProvider provider = Build(s => s.AddOutbox().UseKafka(k => k.BootstrapServers = "localhost:9092"));

        IOutboxTransport transport = provider.GetRequiredService<IOutboxTransport>();

        transport.Should().BeOfType<KafkaOutboxTransport>();
        provider.GetRequiredService<IOutboxTransport>().Should().BeSameAs(transport);
    }

    [Fact]
    public void UseKafka_TransportRegisteredBefore_KeepsIt()
    {
        var mine = new NoTransport();
        using ServiceProvider provider = Build(s =>
        {
            s.AddSingleton<IOutboxTransport>(mine);
            s.AddOutbox().UseKafka(k => k.BootstrapServers = "localhost:9092");
        });

        provider.GetRequiredService<IOutboxTransport>().Should().BeSameAs(mine);
    }

    [Fact]
    public void UseKafka_TransportRegisteredBefore_RegistersNoWarmUp()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IOutboxTransport>(new NoTransport());
        services.AddOutbox().UseKafka(k => k.BootstrapServers = "localhost:9092");

        services.Should().NotContain(d => d.ImplementationType == typeof(KafkaProducerWarmup), "there is no Kafka producer of the outbox's to warm");
    }

    [Fact]
    public void UseKafka_KafkaIsTheTransport_RegistersTheWarmUpOfThatTransport()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOutbox().UseKafka(k => k.BootstrapServers = "localhost:9092");
        services.AddOutbox().UseKafka(k => k.SendTimeout = TimeSpan.FromSeconds(20));
        using ServiceProvider provider = services.BuildServiceProvider();

        services.Where(d => d.ImplementationType == typeof(KafkaProducerWarmup)).Should().ContainSingle("UseKafka twice registers one warm-up");
        provider.GetRequiredService<IOutboxTransport>().Should().BeSameAs(provider.GetRequiredService<KafkaOutboxTransport>(), "the warm-up warms the transport the relay sends with");
    }

    [Fact]
    public void UseKafka_NoBootstrapServers_StartupValidationFailsNamingBootstrapServers()
    {
        using ServiceProvider provider = Build(s => s.AddOutbox().UseKafka(_ => { }));

        Action start = () => provider.GetRequiredService<IStartupValidator>().Validate();

        start.Should().Throw<OptionsValidationException>().WithMessage("*OutboxKafkaOptions.BootstrapServers*");
    }

    [Fact]
    public void UseKafka_UserProducerSettings_PassThroughAndDefaultsFillTheRest()
    {
        using ServiceProvider provider = Build(s => s.AddOutbox().UseKafka(k =>
        {
            k.BootstrapServers = "localhost:9092";
            k.SendTimeout = TimeSpan.FromSeconds(7);
            k.Producer.SaslMechanism = SaslMechanism.Plain;
            k.Producer.SecurityProtocol = SecurityProtocol.SaslSsl;
            k.Producer.LingerMs = 25;
        }));

        IReadOnlyDictionary<string, string> config = Transport(provider).ProducerConfig;

        config.Should().Contain("sasl.mechanism", "PLAIN")
            .And.Contain("security.protocol", "sasl_ssl")
            .And.Contain("linger.ms", "25")
            .And.Contain("bootstrap.servers", "localhost:9092")
            .And.Contain("enable.idempotence", "true")
            .And.Contain("acks", "all")
            .And.Contain("message.timeout.ms", "7000");
    }

    [Fact]
    public void UseKafka_ProducerSetsAliasOfDefault_UserValueKept()
    {
        using ServiceProvider provider = Build(s => s.AddOutbox().UseKafka(k =>
        {
            k.BootstrapServers = "localhost:9092";
            k.Producer.Set("queue.buffering.max.ms", "50");
            k.Producer.Set("delivery.timeout.ms", "9000");
        }));

        IReadOnlyDictionary<string, string> config = Transport(provider).ProducerConfig;

        config.Should().Contain("linger.ms", "50").And.Contain("message.timeout.ms", "9000")
            .And.NotContainKey("queue.buffering.max.ms").And.NotContainKey("delivery.timeout.ms");
        Transport(provider).MessageTimeout.Should().Be(TimeSpan.FromSeconds(9));
    }

    [Fact]
    public void UseKafka_BothBootstrapSettings_ProducerConfigWins()
    {
        using ServiceProvider provider = Build(s => s.AddOutbox().UseKafka(k =>
        {
            k.BootstrapServers = "shortcut:9092";
            k.Producer.BootstrapServers = "explicit:9092";
        }));

        Transport(provider).ProducerConfig.Should().Contain("bootstrap.servers", "explicit:9092");
    }

    [Fact]
    public void UseKafka_ConfigurationSection_BindsOptionsAndBothProducerKeyStyles()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outbox:Kafka:BootstrapServers"] = "from-config:9092",
            ["Outbox:Kafka:SendTimeout"] = "00:00:05",
            ["Outbox:Kafka:Producer:linger.ms"] = "3",
            ["Outbox:Kafka:Producer:SaslMechanism"] = "ScramSha256",
            ["Outbox:Kafka:Producer:sasl.username"] = "app",
        }).Build();
        using ServiceProvider provider = Build(s => s.AddOutbox().UseKafka(configuration.GetSection("Outbox:Kafka")));

        IReadOnlyDictionary<string, string> config = Transport(provider).ProducerConfig;

        config.Should().Contain("bootstrap.servers", "from-config:9092")
            .And.Contain("message.timeout.ms", "5000")
            .And.Contain("linger.ms", "3")
            .And.Contain("sasl.mechanism", "SCRAM-SHA-256")
            .And.Contain("sasl.username", "app")
            .And.Contain("acks", "all");
    }

    [Fact]
    public void UseKafka_ConfigurationSendTimeoutNotADuration_ThrowsNamingTheKey()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "b:9092",
            ["Kafka:SendTimeout"] = "thirty seconds",
        }).Build();
        using ServiceProvider provider = Build(s => s.AddOutbox().UseKafka(configuration.GetSection("Kafka")));

        Action resolve = () => _ = provider.GetRequiredService<IOptions<OutboxKafkaOptions>>().Value;

        // The binder's message: "Failed to convert configuration value 'thirty seconds' at 'Kafka:SendTimeout' to type 'System.TimeSpan'."
        resolve.Should().Throw<InvalidOperationException>().WithMessage("*thirty seconds*Kafka:SendTimeout*TimeSpan*");
    }

    [Fact]
    public void UseKafka_ConfigurationSection_BindsEveryDocumentedKey()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "b1:9092,b2:9092",
            ["Kafka:SendTimeout"] = "00:00:04",
            ["Kafka:ConfirmationMode"] = "Consumer",
            ["Kafka:ConfirmationGroupId"] = "confirmations",
            ["Kafka:ConfirmationTopics:0"] = "payments",
            ["Kafka:Producer:LingerMs"] = "7",
            ["Kafka:Producer:CompressionType"] = "Zstd",
            ["Kafka:Producer:batch.num.messages"] = "500",
            ["Kafka:Consumer:FetchWaitMaxMs"] = "20",
            ["Kafka:Consumer:session.timeout.ms"] = "45000",
        }).Build();
        using ServiceProvider provider = Build(s => s.AddOutbox().UseKafka(configuration.GetSection("Kafka")));

        OutboxKafkaOptions options = provider.GetRequiredService<IOptions<OutboxKafkaOptions>>().Value;

        (options.BootstrapServers, options.SendTimeout, options.ConfirmationMode, options.ConfirmationGroupId)
            .Should().Be(("b1:9092,b2:9092", TimeSpan.FromSeconds(4), KafkaConfirmationMode.Consumer, "confirmations"));
        options.ConfirmationTopics.Should().Equal("payments");
        options.Producer.LingerMs.Should().Be(7);
        options.Producer.CompressionType.Should().Be(CompressionType.Zstd);
        options.Producer.BatchNumMessages.Should().Be(500);
        options.Consumer.FetchWaitMaxMs.Should().Be(20);
        options.Consumer.SessionTimeoutMs.Should().Be(45000);
    }

    [Fact]
    public void UseKafka_ConfigurationConfirmationModeUnknown_ThrowsNamingTheKey()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "b:9092",
            ["Kafka:ConfirmationMode"] = "Sometimes",
        }).Build();
        using ServiceProvider provider = Build(s => s.AddOutbox().UseKafka(configuration.GetSection("Kafka")));

        Action resolve = () => _ = provider.GetRequiredService<IOptions<OutboxKafkaOptions>>().Value;

        resolve.Should().Throw<InvalidOperationException>().WithMessage("*Sometimes*Kafka:ConfirmationMode*");
    }

    [Fact]
    public void UseKafka_CalledTwice_OneTransportAndOneValidator()
    {
        var services = new ServiceCollection();
        services.AddOutbox().UseKafka(k => k.BootstrapServers = "a:9092").UseKafka(k => k.SendTimeout = TimeSpan.FromSeconds(3));

        services.Count(d => d.ServiceType == typeof(IOutboxTransport)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IValidateOptions<OutboxKafkaOptions>)).Should().Be(1);
    }

    [Fact]
    public void UseKafka_ConfigurationSection_BindsTheConfirmationConsumerSettings()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "b:9092",
            ["Kafka:ConfirmationMode"] = "consumer",
            ["Kafka:ConfirmationGroupId"] = "confirmations",
            ["Kafka:ConfirmationTopics:0"] = "payments",
            ["Kafka:ConfirmationTopics:1"] = "reservations",
            ["Kafka:Consumer:fetch.wait.max.ms"] = "10",
        }).Build();
        using ServiceProvider provider = Build(s => s.AddOutbox().UseKafka(configuration.GetSection("Kafka")));

        OutboxKafkaOptions options = provider.GetRequiredService<IOptions<OutboxKafkaOptions>>().Value;

        options.ConfirmationMode.Should().Be(KafkaConfirmationMode.Consumer);
        options.ConfirmationGroupId.Should().Be("confirmations");
        options.ConfirmationTopics.Should().Equal("payments", "reservations");
        options.Consumer.FetchWaitMaxMs.Should().Be(10);
    }

    [Fact]
    public void UseKafka_ConsumerModeWithoutTopics_StartupValidationFailsNamingConfirmationTopics()
    {
        using ServiceProvider provider = Build(s => s.AddOutbox().UseKafka(k =>
        {
            k.BootstrapServers = "b:9092";
            k.ConfirmationMode = KafkaConfirmationMode.Consumer;
        }));

        Action start = () => provider.GetRequiredService<IStartupValidator>().Validate();

        start.Should().Throw<OptionsValidationException>().WithMessage("*ConfirmationTopics*");
    }

    private static ServiceProvider Build(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        configure(services);
        return services.BuildServiceProvider();
    }

    private static KafkaOutboxTransport Transport(ServiceProvider provider) => (KafkaOutboxTransport)provider.GetRequiredService<IOutboxTransport>();

    private sealed class NoTransport : IOutboxTransport
    {
        public OutboxTransportLimits Limits => OutboxTransportLimits.Default;

        public Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, TimeSpan sendWithin, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<OutboxSendResult>>([]);
    }
}
