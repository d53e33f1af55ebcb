namespace Concert.Infrastructure.Kafka;

/// <summary>
/// Where the Kafka cluster the app talks to is: one broker list for the outbox producer and the consumers.
/// The composition root (Program.cs) registers it, from <c>Kafka:BootstrapServers</c> or the cluster it starts for the demo.
/// </summary>
internal sealed class KafkaConnection(string bootstrapServers)
{
    /// <summary>Gets the broker list for producers and consumers.</summary>
    public string BootstrapServers { get; } = bootstrapServers;
}
