namespace Concert.Infrastructure.Kafka;

/// <summary>Where Kafka is, bound from the <c>Kafka</c> section. Both the outbox producer and the app's consumers use it.</summary>
internal sealed class KafkaOptions
{
    public const string SectionName = "Kafka";

    /// <summary>Gets or sets the broker list (<c>host:port</c>, comma separated).</summary>
    /// <value>The default is <see langword="null"/>: Program.cs starts an embedded Kafka (librdkafka's mock cluster) in-process.</value>
    public string? BootstrapServers { get; set; }

    /// <summary>Gets or sets how many brokers the embedded cluster has.</summary>
    /// <value>The default value is 3.</value>
    public int EmbeddedBrokers { get; set; } = 3;

    /// <summary>Gets or sets how many partitions each topic of the embedded cluster has.</summary>
    /// <value>The default value is 3.</value>
    public int EmbeddedPartitions { get; set; } = 3;
}
