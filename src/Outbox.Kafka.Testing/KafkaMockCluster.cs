using System.Globalization;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Outbox.Kafka.Testing;

/// <summary>
/// An in-process Kafka cluster for tests and local runs: librdkafka's mock cluster, which speaks
/// the real Kafka protocol on local TCP ports, so any Kafka client (Confluent.Kafka, kcat, …)
/// can produce to it and consume from it. It can inject faults: brokers down, added latency,
/// request errors, leader moves, topic errors. It keeps only about 5 MB per partition and
/// nothing on disk. Not for production.
/// </summary>
/// <remarks>
/// Runs inside the native librdkafka that Confluent.Kafka loaded in this process (the
/// <c>runtimes/</c> asset of the official <c>librdkafka.redist</c> package): nothing to install.
/// Topics are also created on first use with librdkafka's mock defaults; create them with
/// <see cref="CreateTopic"/> to choose the partition count. All members are thread-safe.
/// </remarks>
public sealed class KafkaMockCluster : IDisposable
{
    private const int ProducerType = 0;
    private const int ErrorBufferSize = 512;

    private readonly MockClusterHandle cluster;

    private KafkaMockCluster(MockClusterHandle cluster, int brokerCount, string bootstrapServers)
    {
        this.cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>Gets the bootstrap list for clients: <c>127.0.0.1:port</c> per broker, comma separated.</summary>
    public string BootstrapServers { get; }

    /// <summary>Gets the number of brokers; their ids are 1 to <see cref="BrokerCount"/>.</summary>
    public int BrokerCount { get; }

    /// <summary>Starts a mock cluster listening on free local ports.</summary>
    /// <param name="brokers">The number of brokers, from 1 to 64. The default is 3.</param>
    /// <returns>The running cluster; dispose it to stop it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokers"/> is not between 1 and 64.</exception>
    /// <exception cref="DllNotFoundException">Confluent.Kafka could not load librdkafka, or the library it loaded could not be found again.</exception>
    /// <exception cref="InvalidOperationException">librdkafka could not create the client handle or the cluster.</exception>
    public static unsafe KafkaMockCluster Start(int brokers = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokers, 64);
        LibrdkafkaNative.EnsureResolver();

        byte* error = stackalloc byte[ErrorBufferSize];
        nint conf = LibrdkafkaNative.ConfNew();

        // The handle never connects anywhere: it only hosts the cluster. Without this
        // it would warn on stderr that it has no bootstrap servers.
        _ = LibrdkafkaNative.ConfSet(conf, "log_level", "4", error, ErrorBufferSize);
        nint client = LibrdkafkaNative.New(ProducerType, conf, error, ErrorBufferSize);
        if (client == 0)
        {
            LibrdkafkaNative.ConfDestroy(conf);
            throw new InvalidOperationException($"librdkafka could not create the handle for the mock cluster: {Marshal.PtrToStringUTF8((nint)error)}");
        }

        nint mock = LibrdkafkaNative.MockClusterNew(client, brokers);
        if (mock == 0)
        {
            LibrdkafkaNative.Destroy(client);
            throw new InvalidOperationException($"librdkafka could not start a mock cluster with {brokers} brokers (no free local port?).");
        }

        var handle = new MockClusterHandle(client, mock);
        string bootstrap = Marshal.PtrToStringUTF8(LibrdkafkaNative.MockClusterBootstraps(handle))
            ?? throw new InvalidOperationException("librdkafka returned no bootstrap list for the mock cluster.");
        return new KafkaMockCluster(handle, brokers, bootstrap);
    }

    /// <summary>Creates a topic.</summary>
    /// <param name="name">The topic name.</param>
    /// <param name="partitions">The partition count, at least 1. The default is 6.</param>
    /// <param name="replicationFactor">The replication factor, from 1 to <see cref="BrokerCount"/>. The default is 1.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    /// <exception cref="InvalidOperationException">The cluster refused (for example the topic exists); the message names librdkafka's error.</exception>
    /// <exception cref="ObjectDisposedException">The cluster is disposed.</exception>
    public void CreateTopic(string name, int partitions = 6, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);
        ThrowOnError(LibrdkafkaNative.MockTopicCreate(cluster, name, partitions, replicationFactor), $"create topic '{name}'");
    }

    /// <summary>Takes a broker down: its connections close and it refuses new ones until <see cref="SetBrokerUp"/>.</summary>
    /// <param name="brokerId">The broker id, from 1 to <see cref="BrokerCount"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokerId"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The cluster is disposed.</exception>
    public void SetBrokerDown(int brokerId)
    {
        CheckBroker(brokerId);
        ThrowOnError(LibrdkafkaNative.MockBrokerSetDown(cluster, brokerId), $"take broker {brokerId} down");
    }

    /// <summary>Brings a broker back up.</summary>
    /// <param name="brokerId">The broker id, from 1 to <see cref="BrokerCount"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokerId"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The cluster is disposed.</exception>
    public void SetBrokerUp(int brokerId)
    {
        CheckBroker(brokerId);
        ThrowOnError(LibrdkafkaNative.MockBrokerSetUp(cluster, brokerId), $"bring broker {brokerId} up");
    }

    /// <summary>Takes every broker down: the whole cluster is unreachable.</summary>
    /// <exception cref="ObjectDisposedException">The cluster is disposed.</exception>
    public void SetAllBrokersDown()
    {
        for (int id = 1; id <= BrokerCount; id++)
        {
            SetBrokerDown(id);
        }
    }

    /// <summary>Brings every broker back up.</summary>
    /// <exception cref="ObjectDisposedException">The cluster is disposed.</exception>
    public void SetAllBrokersUp()
    {
        for (int id = 1; id <= BrokerCount; id++)
        {
            SetBrokerUp(id);
        }
    }

    /// <summary>
    /// Makes the next requests of one kind fail: the n-th request with <paramref name="apiKey"/>
    /// (to any broker) gets the n-th error, then requests succeed again.
    /// </summary>
    /// <param name="apiKey">The Kafka protocol API key, for example 0 for Produce, 3 for Metadata.</param>
    /// <param name="errors">The errors to answer with, in order (<see cref="ErrorCode.NoError"/> lets one request through).</param>
    /// <exception cref="ArgumentNullException"><paramref name="errors"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="apiKey"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The cluster is disposed.</exception>
    public unsafe void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentOutOfRangeException.ThrowIfNegative(apiKey);
        if (errors.Length == 0)
        {
            return;
        }

        int[] codes = Array.ConvertAll(errors, e => (int)e);
        fixed (int* first = codes)
        {
            LibrdkafkaNative.MockPushRequestErrorsArray(cluster, apiKey, (nuint)codes.Length, first);
        }
    }

    /// <summary>Adds latency to every response of a broker.</summary>
    /// <param name="brokerId">The broker id, from 1 to <see cref="BrokerCount"/>.</param>
    /// <param name="rtt">The added round trip time, whole milliseconds; <see cref="TimeSpan.Zero"/> removes it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokerId"/> or <paramref name="rtt"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The cluster is disposed.</exception>
    public void SetBrokerRoundTripTime(int brokerId, TimeSpan rtt)
    {
        CheckBroker(brokerId);
        ArgumentOutOfRangeException.ThrowIfLessThan(rtt, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rtt, TimeSpan.FromMilliseconds(int.MaxValue));
        ThrowOnError(LibrdkafkaNative.MockBrokerSetRtt(cluster, brokerId, (int)rtt.TotalMilliseconds), $"set the round trip time of broker {brokerId}");
    }

    /// <summary>
    /// Moves the leadership of a partition to a broker; clients learn it from a
    /// NotLeaderForPartition error and a metadata refresh. Like any use of a topic, this
    /// creates an unknown topic (with <paramref name="partition"/> + 1 partitions).
    /// </summary>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition number.</param>
    /// <param name="brokerId">The new leader, from 1 to <see cref="BrokerCount"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="topic"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokerId"/> or <paramref name="partition"/> is out of range.</exception>
    /// <exception cref="InvalidOperationException">The cluster refused (for example a partition the topic does not have).</exception>
    /// <exception cref="ObjectDisposedException">The cluster is disposed.</exception>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        CheckBroker(brokerId);
        ThrowOnError(LibrdkafkaNative.MockPartitionSetLeader(cluster, topic, partition, brokerId), $"move the leader of {topic}[{partition}] to broker {brokerId}");
    }

    /// <summary>Makes metadata requests report an error for a topic (for example <see cref="ErrorCode.TopicException"/>); <see cref="ErrorCode.NoError"/> clears it.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="error">The error to report.</param>
    /// <exception cref="ArgumentException"><paramref name="topic"/> is empty.</exception>
    /// <exception cref="ObjectDisposedException">The cluster is disposed.</exception>
    public void SetTopicError(string topic, ErrorCode error)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        LibrdkafkaNative.MockTopicSetError(cluster, topic, (int)error);
    }

    /// <summary>Stops the cluster and closes its ports. Safe to call more than once and from several threads.</summary>
    public void Dispose() => cluster.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"Kafka mock cluster ({BrokerCount.ToString(CultureInfo.InvariantCulture)} brokers): {BootstrapServers}";

    private static void ThrowOnError(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"The mock cluster could not {what}: {LibrdkafkaNative.DescribeError(error)}.");
        }
    }

    private void CheckBroker(int brokerId)
    {
        if (brokerId < 1 || brokerId > BrokerCount)
        {
            throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"Broker ids are 1 to {BrokerCount}.");
        }
    }
}
