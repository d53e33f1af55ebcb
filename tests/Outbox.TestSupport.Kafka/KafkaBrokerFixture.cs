using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Outbox.Kafka.Testing;
using Outbox.TestSupport.Servers;
using Testcontainers.Kafka;

namespace Outbox.TestSupport.Kafka;

/// <summary>
/// The Kafka broker for plain produce-and-consume tests (xunit <c>IClassFixture</c>), found in this
/// order: the cluster named by <c>OUTBOX_TEST_KAFKA</c> (bootstrap servers), else an Apache Kafka
/// container (KRaft) started with Testcontainers when a Docker engine answers, else librdkafka's
/// embedded mock cluster (3 brokers). Tests that inject faults (brokers down, request errors,
/// round-trip times) start their own <see cref="KafkaMockCluster"/> instead: a real broker has no
/// such switches.
/// </summary>
public sealed class KafkaBrokerFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "OUTBOX_TEST_KAFKA";

    private static readonly TimeSpan TopicReadyTimeout = TimeSpan.FromSeconds(30);
    private KafkaMockCluster? mock;
    private KafkaContainer? container;

    /// <summary>Gets the bootstrap servers.</summary>
    public string BootstrapServers { get; private set; } = string.Empty;

    /// <summary>Gets where the broker came from, for messages.</summary>
    public string Source { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        string? configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            BootstrapServers = configured.Trim();
            Source = EnvironmentVariable;
        }
        else if (await DockerEngine.IsAvailableAsync())
        {
            container = new KafkaBuilder(TestImages.Kafka).Build();
            await container.StartAsync();
            BootstrapServers = container.GetBootstrapAddress();
            Source = "Testcontainers " + TestImages.Kafka;
        }
        else
        {
            mock = KafkaMockCluster.Start(brokers: 3);
            BootstrapServers = mock.BootstrapServers;
            Source = "embedded mock cluster";
        }
    }

    public async Task DisposeAsync()
    {
        mock?.Dispose();
        if (container is not null)
        {
            await container.DisposeAsync();
        }
    }

    /// <summary>Creates a topic with a unique name and waits until every partition has a leader.</summary>
    /// <param name="partitions">The partition count. The default is 6.</param>
    /// <returns>The topic name.</returns>
    public async Task<string> CreateTopicAsync(int partitions = 6)
    {
        string topic = $"test-{Guid.NewGuid():N}";
        if (mock is not null)
        {
            mock.CreateTopic(topic, partitions);
            return topic;
        }

        using IAdminClient admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = -1 }]);
        DateTime deadline = DateTime.UtcNow + TopicReadyTimeout;
        while (true)
        {
            TopicMetadata? metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.SingleOrDefault(t => t.Topic == topic);
            if (metadata is { Error.IsError: false } && metadata.Partitions.Count == partitions && metadata.Partitions.All(p => p.Leader >= 0))
            {
                return topic;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Topic {topic} on {BootstrapServers} ({Source}) had no leader for every partition after {TopicReadyTimeout.TotalSeconds} s.");
            }

            await Task.Delay(100);
        }
    }

    public override string ToString() => $"Kafka at {BootstrapServers} ({Source})";
}
