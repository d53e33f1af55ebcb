using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Outbox.Kafka.Testing;
using Outbox.Transport;

namespace Outbox.Kafka.Tests;

/// <summary>Shared helpers: a transport over a mock cluster and messages to send.</summary>
internal static class KafkaTestCluster
{
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(15);

    public static KafkaOutboxTransport CreateTransport(KafkaMockCluster cluster, Action<OutboxKafkaOptions>? configure = null) =>
        CreateTransport(cluster.BootstrapServers, configure);

    public static KafkaOutboxTransport CreateTransport(string bootstrapServers, Action<OutboxKafkaOptions>? configure = null)
    {
        var options = new OutboxKafkaOptions { BootstrapServers = bootstrapServers, SendTimeout = TimeSpan.FromSeconds(10) };
        options.Producer.ReconnectBackoffMaxMs = 200;
        configure?.Invoke(options);
        return new KafkaOutboxTransport(Options.Create(options), TimeProvider.System, NullLogger<KafkaOutboxTransport>.Instance);
    }

    /// <summary>Sends outside a relay: no lease to respect, so a window longer than any test.</summary>
    public static Task<IReadOnlyList<OutboxSendResult>> SendAsync(this IOutboxTransport transport, IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken = default) =>
        transport.SendAsync(messages, TimeSpan.FromMinutes(10), cancellationToken);

    public static string NewTopic(KafkaMockCluster cluster, int partitions = 6)
    {
        string topic = $"t-{Guid.NewGuid():N}";
        cluster.CreateTopic(topic, partitions);
        return topic;
    }

    public static OutboxMessage Message(string topic, string? key, string payload, string? type = null, string? headers = null) => new()
    {
        Id = Guid.CreateVersion7(),
        Topic = topic,
        Key = key,
        Type = type,
        Payload = System.Text.Encoding.UTF8.GetBytes(payload),
        Headers = headers,
    };
}
