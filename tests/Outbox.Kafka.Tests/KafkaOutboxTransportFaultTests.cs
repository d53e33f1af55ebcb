using System.Diagnostics;
using Outbox.Kafka.Testing;
using Outbox.TestSupport.Kafka;
using Outbox.Transport;
using static Outbox.Kafka.Tests.KafkaTestCluster;

namespace Outbox.Kafka.Tests;

/// <summary>Transport behaviour under broker faults and cancellation; every test has its own cluster.</summary>
public sealed class KafkaOutboxTransportFaultTests : IDisposable
{
    private const short ProduceApiKey = 0;

    private readonly KafkaMockCluster cluster = KafkaMockCluster.Start(brokers: 3);

    public void Dispose() => cluster.Dispose();

    [Fact]
    public async Task SendAsync_AllBrokersDown_EveryResultFailedWithoutThrowing()
    {
        string topic = NewTopic(cluster);
        await using KafkaOutboxTransport transport = CreateTransport(cluster, o => o.SendTimeout = TimeSpan.FromSeconds(2));
        cluster.SetAllBrokersDown();
        OutboxMessage[] messages = Enumerable.Range(0, 5).Select(i => Message(topic, $"k{i}", "x")).ToArray();

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(messages);

        results.Should().HaveCount(5).And.OnlyContain(r => r.Status == OutboxSendStatus.Failed && r.Error!.Contains("Local_MsgTimedOut"));
    }

    [Fact]
    public async Task SendAsync_BrokersBackUp_SameTransportDeliversAgain()
    {
        string topic = NewTopic(cluster);
        await using KafkaOutboxTransport transport = CreateTransport(cluster, o => o.SendTimeout = TimeSpan.FromSeconds(4));
        (await transport.SendAsync([Message(topic, "k", "before")])).Single().Status.Should().Be(OutboxSendStatus.Delivered);
        cluster.SetAllBrokersDown();
        (await transport.SendAsync([Message(topic, "k", "down")])).Single().Status.Should().Be(OutboxSendStatus.Failed);

        cluster.SetAllBrokersUp();
        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(topic, "k", "after")]);

        results.Single().Status.Should().Be(OutboxSendStatus.Delivered);
    }

    [Fact]
    public async Task SendAsync_BrokerAnswersTopicAuthorizationFailed_FailedForARetryNotRejected()
    {
        string topic = NewTopic(cluster);
        await using KafkaOutboxTransport transport = CreateTransport(cluster);
        (await transport.SendAsync([Message(topic, "k", "warm-up")])).Single().Status.Should().Be(OutboxSendStatus.Delivered);
        cluster.PushRequestErrors(ProduceApiKey, Confluent.Kafka.ErrorCode.TopicAuthorizationFailed);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(topic, "k", "x")]);

        results.Single().Status.Should().Be(OutboxSendStatus.Failed, "an authorization the operator can grant is retried, not made DEAD");
        results.Single().Error.Should().Contain("TopicAuthorizationFailed");
        OutboxSendResult later = default;
        for (int attempt = 0; attempt < 10 && later.Status != OutboxSendStatus.Delivered; attempt++)
        {
            later = (await transport.SendAsync([Message(topic, "k", "y" + attempt)])).Single(); // once authorized again, it goes
        }

        later.Status.Should().Be(OutboxSendStatus.Delivered, later.Error);
    }

    [Fact]
    public async Task SendAsync_BrokerAnswersNotLeaderTwice_RetriedInsideProducerAndDelivered()
    {
        string topic = NewTopic(cluster);
        await using KafkaOutboxTransport transport = CreateTransport(cluster);
        (await transport.SendAsync([Message(topic, "k", "warm-up")])).Single().Status.Should().Be(OutboxSendStatus.Delivered);
        cluster.PushRequestErrors(ProduceApiKey, Confluent.Kafka.ErrorCode.NotLeaderForPartition, Confluent.Kafka.ErrorCode.NotLeaderForPartition);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(topic, "k", "x")]);

        results.Single().Status.Should().Be(OutboxSendStatus.Delivered);
    }

    [Fact]
    public async Task SendAsync_AlreadyCancelled_ReturnsNotSentWithoutSending()
    {
        string topic = NewTopic(cluster);
        await using KafkaOutboxTransport transport = CreateTransport(cluster);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(topic, "k", "x"), Message(topic, "k", "y")], cancelled.Token);

        results.Should().HaveCount(2).And.OnlyContain(r => r.Status == OutboxSendStatus.NotSent, "nothing was handed to the producer");
        KafkaTopicReader.GetEndOffsetSum(cluster.BootstrapServers, topic, ReadTimeout).Should().Be(0);
    }

    [Fact]
    public async Task SendAsync_CancelledWhileLocalQueueFull_StopsProducingAndReturnsWithinGrace()
    {
        string topic = NewTopic(cluster);
        await using KafkaOutboxTransport transport = CreateTransport(cluster, o => o.Producer.QueueBufferingMaxMessages = 5);
        transport.StopGracePeriod = TimeSpan.FromMilliseconds(500);

        // Build and connect the producer first, so the 300 ms below measure only the send (a loaded machine may take longer to build one).
        (await transport.SendAsync([Message(topic, "k", "warm-up")])).Single().Status.Should().Be(OutboxSendStatus.Delivered);
        cluster.SetAllBrokersDown();
        OutboxMessage[] messages = Enumerable.Range(0, 20).Select(i => Message(topic, "k", $"m{i}")).ToArray();
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(messages, stopping.Token);

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "the send stops at cancellation plus the grace, not at the 10 s send timeout");
        results.Should().HaveCount(20);
        results.Skip(5).Should().OnlyContain(r => r.Status == OutboxSendStatus.NotSent, "only 5 fit in the local queue; the rest were never produced");
        results.Take(5).Should().OnlyContain(r => r.Status == OutboxSendStatus.Failed && r.Error == "cancelled: host stopping before the broker answered");
    }

    [Fact]
    public async Task SendAsync_CancelledWhileReportsInFlight_WaitsForThemWithinGrace()
    {
        string topic = NewTopic(cluster, partitions: 1);
        await using KafkaOutboxTransport transport = CreateTransport(cluster);
        (await transport.SendAsync([Message(topic, "k", "warm-up")])).Single().Status.Should().Be(OutboxSendStatus.Delivered);
        for (int id = 1; id <= cluster.BrokerCount; id++)
        {
            cluster.SetBrokerRoundTripTime(id, TimeSpan.FromMilliseconds(800));
        }

        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(topic, "k", "a"), Message(topic, "k", "b")], stopping.Token);

        stopping.IsCancellationRequested.Should().BeTrue();
        results.Should().OnlyContain(r => r.Status == OutboxSendStatus.Delivered, "acks in flight when the host stops are still recorded");
    }

    [Fact]
    public async Task SendAsync_WindowShorterThanADelivery_ProducesNothingAndReportsNotSent()
    {
        string topic = NewTopic(cluster);
        await using KafkaOutboxTransport transport = CreateTransport(cluster, o => o.SendTimeout = TimeSpan.FromSeconds(2));
        TimeSpan tooShort = transport.Limits.MaxDeliveryTime - TimeSpan.FromMilliseconds(100);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(topic, "k", "x"), Message(topic, "j", "y")], tooShort);

        results.Should().OnlyContain(r => r.Status == OutboxSendStatus.NotSent, "a record produced now could reach the broker after the window");
        KafkaTopicReader.GetEndOffsetSum(cluster.BootstrapServers, topic, ReadTimeout).Should().Be(0);
    }

    [Fact]
    public async Task SendAsync_LocalQueueFullUntilTheWindowCloses_StopsWaitingAndGivesTheRestBack()
    {
        string topic = NewTopic(cluster);
        await using KafkaOutboxTransport transport = CreateTransport(cluster, o =>
        {
            o.SendTimeout = TimeSpan.FromSeconds(1);
            o.Producer.QueueBufferingMaxMessages = 5;
        });

        // Connected first. The 1 s send timeout can end a first send while a loaded machine is still
        // connecting and loading metadata (seen in CI), so the warm-up may take a few tries.
        OutboxSendStatus warmUp = OutboxSendStatus.NotSent;
        for (int attempt = 0; attempt < 10 && warmUp != OutboxSendStatus.Delivered; attempt++)
        {
            warmUp = (await transport.SendAsync([Message(topic, "k", "warm-up")])).Single().Status;
        }

        warmUp.Should().Be(OutboxSendStatus.Delivered, "the brokers are up for the warm-up");
        cluster.SetAllBrokersDown();
        OutboxMessage[] messages = Enumerable.Range(0, 20).Select(i => Message(topic, "k", $"m{i}")).ToArray();
        var clock = Stopwatch.StartNew();

        // 300 ms of window for producing: the queue never empties with the brokers down.
        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(messages, transport.Limits.MaxDeliveryTime + TimeSpan.FromMilliseconds(300));

        clock.Elapsed.Should().BeLessThan(transport.Limits.MaxDeliveryTime + TimeSpan.FromSeconds(12), "the queue-full wait has the window's deadline, and the reports the delivery timeout's");
        results.Take(5).Should().OnlyContain(r => r.Status == OutboxSendStatus.Failed, "produced, then timed out with the brokers down");
        results.Skip(5).Should().OnlyContain(r => r.Status == OutboxSendStatus.NotSent, "never produced: given back unsent");
    }

    [Fact]
    public async Task Limits_FollowTheProducersSettings()
    {
        await using KafkaOutboxTransport transport = CreateTransport(cluster, o =>
        {
            o.SendTimeout = TimeSpan.FromSeconds(5);
            o.Producer.MessageMaxBytes = 2_000_000;
        });
        await using KafkaOutboxTransport consumerMode = CreateTransport(cluster, o =>
        {
            o.ConfirmationMode = KafkaConfirmationMode.Consumer;
            o.ConfirmationTopics.Add("orders");
        });

        transport.Limits.MaxDeliveryTime.Should().Be(TimeSpan.FromSeconds(5 + 4 + 1), "the delivery timeout, the request timeout (80 % of it by default) and librdkafka's 1 s timeout scan");
        transport.Limits.MaxRecordBytes.Should().Be(2_000_000);
        transport.Limits.Topics.Should().BeNull();
        consumerMode.Limits.Topics.Should().BeEquivalentTo(["orders"], "only topics the confirmation consumer reads back can be completed");
    }
}

