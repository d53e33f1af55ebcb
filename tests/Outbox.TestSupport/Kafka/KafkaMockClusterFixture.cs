using Outbox.Kafka.Testing;

namespace Outbox.TestSupport.Kafka;

/// <summary>One 3-broker mock cluster shared by the tests of a class (xunit <c>IClassFixture</c>); tests that inject faults should start their own.</summary>
public sealed class KafkaMockClusterFixture : IDisposable
{
    /// <summary>Gets the cluster.</summary>
    public KafkaMockCluster Cluster { get; } = KafkaMockCluster.Start(brokers: 3);

    /// <summary>Creates a topic with a unique name.</summary>
    /// <param name="partitions">The partition count. The default is 6.</param>
    /// <returns>The topic name.</returns>
    public string CreateTopic(int partitions = 6)
    {
        string topic = $"test-{Guid.NewGuid():N}";
        Cluster.CreateTopic(topic, partitions);
        return topic;
    }

    /// <inheritdoc/>
    public void Dispose() => Cluster.Dispose();
}
