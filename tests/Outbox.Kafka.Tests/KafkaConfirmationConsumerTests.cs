using Confluent.Kafka;
using Outbox.Kafka.Confirmation;

namespace Outbox.Kafka.Tests;

public sealed class KafkaConfirmationConsumerTests
{
    [Fact]
    public void ConsumerConfigOf_SecuredProducer_ConsumerConnectsTheSameWayUnlessToldOtherwise()
    {
        var options = new OutboxKafkaOptions { BootstrapServers = "ignored:9092", ConfirmationGroupId = "confirm" };
        options.Producer.BootstrapServers = "secure-1:9093,secure-2:9093";
        options.Producer.SecurityProtocol = SecurityProtocol.SaslSsl;
        options.Producer.SaslMechanism = SaslMechanism.ScramSha512;
        options.Producer.SaslUsername = "outbox";
        options.Producer.SaslPassword = "secret";
        options.Producer.SslCaLocation = "/etc/ca.pem";
        options.Producer.LingerMs = 5;
        options.Consumer.SaslUsername = "confirmer";

        ConsumerConfig config = KafkaConfirmationConsumer.ConsumerConfigOf(options);

        config.BootstrapServers.Should().Be("secure-1:9093,secure-2:9093", "the producer's cluster");
        config.SecurityProtocol.Should().Be(SecurityProtocol.SaslSsl);
        config.SaslMechanism.Should().Be(SaslMechanism.ScramSha512);
        config.SaslPassword.Should().Be("secret");
        config.SslCaLocation.Should().Be("/etc/ca.pem");
        config.SaslUsername.Should().Be("confirmer", "a consumer setting given wins");
        config.Get("linger.ms").Should().BeNull("tuning is the producer's own");
        config.GroupId.Should().Be("confirm");
        config.EnableAutoCommit.Should().BeFalse();
    }
}
