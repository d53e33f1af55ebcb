using Confluent.Kafka;
using Outbox.Kafka.Testing;

namespace Outbox.Kafka.Tests;

public sealed class KafkaMockClusterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void Start_ThreeBrokers_BootstrapListsThreeLocalBrokers()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);

        cluster.BrokerCount.Should().Be(3);
        string[] brokers = cluster.BootstrapServers.Split(',');
        brokers.Should().HaveCount(3).And.OnlyContain(b => b.StartsWith("127.0.0.1:", StringComparison.Ordinal));
        brokers.Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void Start_ThreeBrokers_MetadataShowsThreeBrokers()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        using IAdminClient admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();

        Metadata metadata = admin.GetMetadata(Timeout);

        metadata.Brokers.Select(b => b.BrokerId).Should().BeEquivalentTo([1, 2, 3]);
    }

    [Fact]
    public async Task Start_WithConfluentKafkaInTheProcess_RunsInTheLibrdkafkaConfluentKafkaLoaded()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic("same-library", partitions: 1);
        using IProducer<Null, string> producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        (await producer.ProduceAsync("same-library", new Message<Null, string> { Value = "x" })).Status.Should().Be(PersistenceStatus.Persisted);

        Library.VersionString.Should().StartWith("2.", "the official librdkafka.redist 2.x, not Debian's 2.0.2");
        if (OperatingSystem.IsLinux())
        {
            // One librdkafka file mapped in the whole process: the producer's and the cluster's are the same copy.
            string[] mapped = File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/', StringComparison.Ordinal) is int slash and >= 0 ? line[slash..] : string.Empty)
                .Where(path => Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal))
                .Distinct()
                .ToArray();
            mapped.Should().ContainSingle().Which.Should().Be(LibrdkafkaNative.LoadedPath);
            mapped[0].Should().Contain("runtimes", "the package's native asset, not a system library");
        }
    }

    [Fact]
    public void CreateTopic_EightPartitions_MetadataShowsEightPartitions()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic("orders", partitions: 8, replicationFactor: 3);
        using IAdminClient admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();

        TopicMetadata topic = admin.GetMetadata("orders", Timeout).Topics.Single();

        topic.Error.Code.Should().Be(ErrorCode.NoError);
        topic.Partitions.Should().HaveCount(8).And.OnlyContain(p => p.Replicas.Length == 3);
    }

    [Fact]
    public void CreateTopic_Twice_ThrowsNamingTheError()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic("twice");

        Action again = () => cluster.CreateTopic("twice");

        again.Should().Throw<InvalidOperationException>().WithMessage("*twice*TOPIC_ALREADY_EXISTS*");
    }

    [Fact]
    public void CreateTopic_ReplicationFactorAboveBrokers_Throws()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 2);

        Action create = () => cluster.CreateTopic("too-many-replicas", replicationFactor: 3);

        create.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("replicationFactor");
    }

    [Fact]
    public async Task SetAllBrokersDown_Produce_FailsThenSucceedsAfterSetAllBrokersUp()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic("flaky", partitions: 1);
        using IProducer<Null, string> producer = ReconnectingProducer(cluster, messageTimeoutMs: 3000); // long enough to reconnect after SetAllBrokersUp on a busy machine
        (await producer.ProduceAsync("flaky", new Message<Null, string> { Value = "warm-up" })).Status.Should().Be(PersistenceStatus.Persisted);

        cluster.SetAllBrokersDown();
        Func<Task> whileDown = () => producer.ProduceAsync("flaky", new Message<Null, string> { Value = "lost" });
        (await whileDown.Should().ThrowAsync<ProduceException<Null, string>>()).Which.Error.Code.Should().Be(ErrorCode.Local_MsgTimedOut);

        cluster.SetAllBrokersUp();
        DeliveryResult<Null, string> afterUp = await producer.ProduceAsync("flaky", new Message<Null, string> { Value = "delivered" });
        afterUp.Status.Should().Be(PersistenceStatus.Persisted);
    }

    [Fact]
    public async Task PushRequestErrors_ProduceErrors_ProducerRetriesAndDelivers()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic("retried", partitions: 1);
        using IProducer<Null, string> producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            EnableIdempotence = true,
            RetryBackoffMs = 10,
            MessageTimeoutMs = 5000,
        }).Build();

        cluster.PushRequestErrors(0, ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicas);
        DeliveryResult<Null, string> result = await producer.ProduceAsync("retried", new Message<Null, string> { Value = "x" });

        result.Status.Should().Be(PersistenceStatus.Persisted);
        result.Offset.Value.Should().Be(0, "the two failed attempts did not append anything");
    }

    [Fact]
    public void SetBrokerDown_UnknownBroker_Throws()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 2);

        Action down = () => cluster.SetBrokerDown(3);

        down.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("brokerId");
    }

    [Fact]
    public void SetPartitionLeader_UnknownPartition_ThrowsNamingTheError()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 2);
        cluster.CreateTopic("two-partitions", partitions: 2);

        Action move = () => cluster.SetPartitionLeader("two-partitions", 5, 2);

        move.Should().Throw<InvalidOperationException>().WithMessage("*two-partitions*UNKNOWN_TOPIC_OR_PART*");
    }

    [Fact]
    public void SetPartitionLeader_ExistingPartition_MetadataShowsNewLeader()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.CreateTopic("moved", partitions: 1, replicationFactor: 3);
        using IAdminClient admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        int leader = admin.GetMetadata("moved", Timeout).Topics.Single().Partitions.Single().Leader;
        int other = leader % 3 + 1;

        cluster.SetPartitionLeader("moved", 0, other);

        admin.GetMetadata("moved", Timeout).Topics.Single().Partitions.Single().Leader.Should().Be(other);
    }

    [Fact]
    public void Dispose_Twice_DoesNotThrowAndLaterCallsThrowObjectDisposed()
    {
        var cluster = KafkaMockCluster.Start(brokers: 1);

        cluster.Dispose();
        cluster.Dispose();

        Action create = () => cluster.CreateTopic("after-dispose");
        create.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Dispose_FromSeveralThreads_DoesNotThrow()
    {
        var cluster = KafkaMockCluster.Start(brokers: 1);

        Action dispose = () => Parallel.For(0, 8, _ => cluster.Dispose());

        dispose.Should().NotThrow();
    }

    /// <summary>A producer that reconnects quickly after the brokers come back up.</summary>
    private static IProducer<Null, string> ReconnectingProducer(KafkaMockCluster cluster, int messageTimeoutMs) =>
        new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            MessageTimeoutMs = messageTimeoutMs,
            ReconnectBackoffMaxMs = 100,
        }).Build();
}
