using Concert.Application;
using Microsoft.Extensions.Options;
using Outbox.Kafka.Testing;

namespace Concert.Infrastructure.Kafka;

/// <summary>
/// The Kafka cluster the app talks to: the configured one, or, when <c>Kafka:BootstrapServers</c>
/// is not set, an embedded mock cluster started here with the app's topics. A singleton: the
/// container disposes it (and stops the embedded cluster) when the host stops.
/// </summary>
internal sealed partial class KafkaConnection : IDisposable
{
    private readonly KafkaMockCluster? embedded;

    public KafkaConnection(IOptions<KafkaOptions> options, ILogger<KafkaConnection> logger)
    {
        KafkaOptions settings = options.Value;
        if (!string.IsNullOrWhiteSpace(settings.BootstrapServers))
        {
            BootstrapServers = settings.BootstrapServers;
            LogConfigured(logger, BootstrapServers);
            return;
        }

        embedded = KafkaMockCluster.Start(settings.EmbeddedBrokers);
        foreach (string topic in ConcertTopics.All)
        {
            embedded.CreateTopic(topic, settings.EmbeddedPartitions);
        }

        BootstrapServers = embedded.BootstrapServers;
        LogEmbedded(logger, BootstrapServers, settings.EmbeddedBrokers, string.Join(", ", ConcertTopics.All));
    }

    /// <summary>Gets the broker list for producers and consumers.</summary>
    public string BootstrapServers { get; }

    /// <summary>Gets whether the cluster is the embedded mock cluster.</summary>
    public bool IsEmbedded => embedded is not null;

    public void Dispose() => embedded?.Dispose();

    [LoggerMessage(LogLevel.Information, "Kafka: {BootstrapServers}")]
    private static partial void LogConfigured(ILogger logger, string bootstrapServers);

    [LoggerMessage(LogLevel.Information, "Kafka: embedded mock cluster ({Brokers} brokers) at {BootstrapServers}, topics {Topics}; set Kafka:BootstrapServers to use a real cluster")]
    private static partial void LogEmbedded(ILogger logger, string bootstrapServers, int brokers, string topics);
}
