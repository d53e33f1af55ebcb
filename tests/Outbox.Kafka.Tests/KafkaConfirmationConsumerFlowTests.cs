using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Outbox.Kafka.Confirmation;
using Outbox.Kafka.Testing;
using Outbox.Transport;
using static Outbox.Kafka.Tests.KafkaTestCluster;

namespace Outbox.Kafka.Tests;

/// <summary>The confirmation consumer on a mock cluster: what it reads back it reports through Core's <see cref="IOutboxConfirmations"/>.</summary>
public sealed class KafkaConfirmationConsumerFlowTests : IDisposable
{
    private readonly KafkaMockCluster cluster = KafkaMockCluster.Start(brokers: 1);

    [Fact]
    public async Task ExecuteAsync_ConsumerMode_ReportsWhatItReadsBackThroughCore()
    {
        string topic = NewTopic(cluster, partitions: 1);
        OutboxMessage[] messages = [Message(topic, "k", "a"), Message(topic, "k", "b")];
        await using (KafkaOutboxTransport transport = CreateTransport(cluster))
        {
            (await transport.SendAsync(messages)).Should().OnlyContain(r => r.Status == OutboxSendStatus.Delivered);
        }

        var confirmations = new RecordingConfirmations(failures: 1);
        var options = new OutboxKafkaOptions { BootstrapServers = cluster.BootstrapServers, ConfirmationMode = KafkaConfirmationMode.Consumer, ConfirmationGroupId = $"g-{Guid.NewGuid():N}" };
        options.ConfirmationTopics.Add(topic);
        using var consumer = new KafkaConfirmationConsumer(Options.Create(options), confirmations, TimeProvider.System, NullLogger<KafkaConfirmationConsumer>.Instance);

        await consumer.StartAsync(CancellationToken.None);
        await confirmations.All.Task.WaitAsync(ReadTimeout);
        await consumer.StopAsync(CancellationToken.None);

        confirmations.Confirmed.Should().BeEquivalentTo(messages.Select(m => m.Id), "a failed store call is retried with the same batch");
        confirmations.Calls.Should().BeGreaterThan(1);
    }

    public void Dispose() => cluster.Dispose();

    private sealed class RecordingConfirmations(int failures) : IOutboxConfirmations
    {
        private readonly HashSet<Guid> confirmed = [];
        private int failuresLeft = failures;

        public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls { get; private set; }

        public IReadOnlyCollection<Guid> Confirmed
        {
            get
            {
                lock (confirmed)
                {
                    return confirmed.ToArray();
                }
            }
        }

        public Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default)
        {
            lock (confirmed)
            {
                Calls++;
                if (failuresLeft-- > 0)
                {
                    throw new InvalidOperationException("the database is down");
                }

                confirmed.UnionWith(messageIds);
                if (confirmed.Count >= 2)
                {
                    All.TrySetResult();
                }

                return Task.FromResult(messageIds.Count);
            }
        }
    }
}
