using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Outbox.Kafka.Tests;

public sealed class OutboxKafkaOptionsValidatorTests
{
    private readonly OutboxKafkaOptionsValidator validator = new();

    [Fact]
    public void Validate_BootstrapServersSet_Succeeds()
    {
        ValidateOptionsResult result = validator.Validate(null, new OutboxKafkaOptions { BootstrapServers = "localhost:9092" });

        result.Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Validate_NoBootstrapServers_FailsNamingBootstrapServers()
    {
        ValidateOptionsResult result = validator.Validate(null, new OutboxKafkaOptions());

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("OutboxKafkaOptions.BootstrapServers");
    }

    [Fact]
    public void Validate_BootstrapServersOnlyInProducerConfig_Succeeds()
    {
        var options = new OutboxKafkaOptions();
        options.Producer.BootstrapServers = "broker:9092";

        validator.Validate(null, options).Succeeded.Should().BeTrue();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Validate_SendTimeoutNotPositive_FailsNamingSendTimeout(int seconds)
    {
        var options = new OutboxKafkaOptions { BootstrapServers = "b:9092", SendTimeout = TimeSpan.FromSeconds(seconds) };

        validator.Validate(null, options).FailureMessage.Should().Contain("OutboxKafkaOptions.SendTimeout");
    }

    [Fact]
    public void Validate_SendTimeoutAboveLibrdkafkaLimit_Fails()
    {
        var options = new OutboxKafkaOptions { BootstrapServers = "b:9092", SendTimeout = TimeSpan.FromDays(30) };

        validator.Validate(null, options).FailureMessage.Should().Contain("SendTimeout");
    }

    [Fact]
    public void Validate_DeliveryReportsDisabled_Fails()
    {
        var options = new OutboxKafkaOptions { BootstrapServers = "b:9092" };
        options.Producer.EnableDeliveryReports = false;

        validator.Validate(null, options).FailureMessage.Should().Contain("EnableDeliveryReports");
    }

    [Fact]
    public void Validate_AcksLeaderWithDefaultIdempotence_FailsNamingTheFix()
    {
        var options = new OutboxKafkaOptions { BootstrapServers = "b:9092" };
        options.Producer.Acks = Acks.Leader;

        validator.Validate(null, options).FailureMessage.Should().Contain("Acks").And.Contain("EnableIdempotence = false");
    }

    [Fact]
    public void Validate_AcksLeaderWithIdempotenceOff_Succeeds()
    {
        var options = new OutboxKafkaOptions { BootstrapServers = "b:9092" };
        options.Producer.Acks = Acks.Leader;
        options.Producer.EnableIdempotence = false;

        validator.Validate(null, options).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Validate_AcksAllSetExplicitly_Succeeds()
    {
        var options = new OutboxKafkaOptions { BootstrapServers = "b:9092" };
        options.Producer.Acks = Acks.All;

        validator.Validate(null, options).Succeeded.Should().BeTrue();
    }

    [Theory]
    [InlineData("message.timeout.ms")]
    [InlineData("delivery.timeout.ms")]
    public void Validate_InfiniteDeliveryTimeout_FailsSayingWhy(string key)
    {
        var options = new OutboxKafkaOptions { BootstrapServers = "b:9092" };
        options.Producer.Set(key, "0");

        validator.Validate(null, options).FailureMessage.Should().Contain("infinite").And.Contain("SendTimeout");
    }
}
