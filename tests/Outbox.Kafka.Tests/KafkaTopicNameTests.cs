using Microsoft.Extensions.Options;
using Outbox.Storage;
using static Outbox.Kafka.Tests.KafkaTestCluster;

namespace Outbox.Kafka.Tests;

/// <summary>Kafka's topic rule, as the transport declares it in its limits and the outbox enforces it where a message is staged.</summary>
public sealed class KafkaTopicNameTests
{
    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("has space")]
    [InlineData("slash/topic")]
    [InlineData("ünïcode")]
    public void Validate_IllegalName_SaysWhatALegalNameIs(string topic)
    {
        KafkaTopicName.Validate(topic).Should().NotBeNull().And.Contain("a-z, A-Z, 0-9, '.', '_' and '-'");
    }

    [Fact]
    public void Validate_LongerThan249_IsRefusedAnd249IsTaken()
    {
        KafkaTopicName.Validate(new string('a', 250)).Should().Contain("more than Kafka's 249");
        KafkaTopicName.Validate(new string('a', 249)).Should().BeNull();
        KafkaTopicName.Validate("orders.placed_v1-eu").Should().BeNull();
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("has space")]
    [InlineData("slash/topic")]
    [InlineData("ünïcode")]
    public async Task Factory_WithTheKafkaTransportsLimits_ThrowsNamingTopic(string topic)
    {
        await using KafkaOutboxTransport transport = CreateTransport("localhost:9092");
        var factory = new OutboxMessageFactory(Options.Create(new OutboxOptions()), TimeProvider.System, transport.Limits);

        Action act = () => factory.CreateRaw(topic, null, [1]);

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("topic");
    }

    [Fact]
    public async Task Factory_WithTheKafkaTransportsLimits_RefusesA250CharacterTopicAndTakes249()
    {
        await using KafkaOutboxTransport transport = CreateTransport("localhost:9092");
        var factory = new OutboxMessageFactory(Options.Create(new OutboxOptions()), TimeProvider.System, transport.Limits);

        factory.Invoking(f => f.CreateRaw(new string('a', 250), null, [])).Should().Throw<ArgumentException>()
            .WithMessage("*not one the transport can send to: the topic name has 250 characters, more than Kafka's 249. Use a shorter name.*").Which.ParamName.Should().Be("topic");
        factory.Invoking(f => f.CreateRaw(new string('a', 249), null, [])).Should().NotThrow();
    }
}
