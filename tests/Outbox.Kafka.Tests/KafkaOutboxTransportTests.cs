using System.Diagnostics;
using System.Text;
using Outbox.Kafka.Testing;
using Outbox.TestSupport.Kafka;
using static Outbox.Kafka.Tests.KafkaTestCluster;

namespace Outbox.Kafka.Tests;

public sealed class KafkaOutboxTransportTests(KafkaMockClusterFixture fixture) : IClassFixture<KafkaMockClusterFixture>
{
    private readonly KafkaMockCluster cluster = fixture.Cluster;

    [Fact]
    public async Task SendAsync_Batch_ArrivesWithKeyPayloadAndHeaders()
    {
        string topic = NewTopic(cluster);
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        OutboxMessage[] messages = Enumerable.Range(0, 10)
            .Select(i => Message(topic, $"order-{i}", $"{{\"n\":{i}}}", "OrderPlaced", $"{{\"traceparent\":\"{traceParent}\",\"tenant\":\"t{i}\"}}"))
            .ToArray();
        await using KafkaOutboxTransport transport = CreateTransport(cluster);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(messages);

        results.Should().HaveCount(10).And.OnlyContain(r => r.Status == OutboxSendStatus.Delivered);
        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(cluster.BootstrapServers, topic, 10, ReadTimeout);
        records.Should().HaveCount(10);
        foreach (OutboxMessage message in messages)
        {
            KafkaRecord record = records.Single(r => r.Headers[OutboxHeaderNames.MessageId] == message.Id.ToString("D"));
            record.Key.Should().Be(message.Key);
            record.Value.Should().Equal(message.Payload);
            record.Headers.Should().Contain(OutboxHeaderNames.MessageType, "OrderPlaced")
                .And.Contain(OutboxHeaderNames.TraceParent, traceParent)
                .And.Contain("tenant", message.ReadHeaders()["tenant"]);
        }
    }

    [Fact]
    public async Task SendAsync_NullKeyAndNoType_DeliveredWithoutTypeHeader()
    {
        string topic = NewTopic(cluster, partitions: 1);
        await using KafkaOutboxTransport transport = CreateTransport(cluster);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(topic, key: null, "no key")]);

        results.Should().ContainSingle().Which.Status.Should().Be(OutboxSendStatus.Delivered);
        KafkaRecord record = (await KafkaTopicReader.ReadAsync(cluster.BootstrapServers, topic, 1, ReadTimeout)).Should().ContainSingle().Subject;
        record.Key.Should().BeNull();
        record.Headers.Should().ContainKey(OutboxHeaderNames.MessageId).And.NotContainKey(OutboxHeaderNames.MessageType);
    }

    [Fact]
    public async Task SendAsync_200MessagesOverFiveKeys_KeepsEachKeysOrder()
    {
        string topic = NewTopic(cluster, partitions: 6);
        OutboxMessage[] messages = Enumerable.Range(0, 200).Select(i => Message(topic, $"key-{i % 5}", i.ToString("D3", null))).ToArray();
        await using KafkaOutboxTransport transport = CreateTransport(cluster);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(messages);

        results.Should().OnlyContain(r => r.Status == OutboxSendStatus.Delivered);
        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(cluster.BootstrapServers, topic, 200, ReadTimeout);
        records.Should().HaveCount(200);
        foreach (IGrouping<string?, OutboxMessage> key in messages.GroupBy(m => m.Key))
        {
            List<KafkaRecord> read = records.Where(r => r.Key == key.Key).ToList();
            read.Select(r => r.Partition).Distinct().Should().ContainSingle("one key goes to one partition");
            read.OrderBy(r => r.Offset).Select(r => Encoding.UTF8.GetString(r.Value))
                .Should().Equal(key.Select(m => Encoding.UTF8.GetString(m.Payload)));
        }
    }

    [Fact]
    public async Task SendAsync_SmallLocalQueue_WaitsForRoomAndDeliversAll()
    {
        string topic = NewTopic(cluster);
        OutboxMessage[] messages = Enumerable.Range(0, 300).Select(i => Message(topic, $"k{i % 7}", $"m{i}")).ToArray();
        await using KafkaOutboxTransport transport = CreateTransport(cluster, o => o.Producer.QueueBufferingMaxMessages = 10);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(messages);

        results.Should().HaveCount(300).And.OnlyContain(r => r.Status == OutboxSendStatus.Delivered);
        KafkaTopicReader.GetEndOffsetSum(cluster.BootstrapServers, topic, ReadTimeout).Should().Be(300);
    }

    [Fact]
    public async Task SendAsync_PayloadAboveMessageMaxBytes_RejectsOnlyThatMessage()
    {
        string topic = NewTopic(cluster);
        OutboxMessage tooLarge = Message(topic, "k", new string('x', 20_000));
        OutboxMessage[] messages = [Message(topic, "k", "small-1"), tooLarge, Message(topic, "k", "small-2")];
        await using KafkaOutboxTransport transport = CreateTransport(cluster, o => o.Producer.MessageMaxBytes = 10_000);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(messages);

        results.Select(r => r.Status).Should().Equal(OutboxSendStatus.Delivered, OutboxSendStatus.Rejected, OutboxSendStatus.Delivered);
        results[1].Error.Should().Contain("MsgSizeTooLarge");
        KafkaTopicReader.GetEndOffsetSum(cluster.BootstrapServers, topic, ReadTimeout).Should().Be(2);
    }

    [Theory]
    [InlineData("orders placed")]
    [InlineData("orders/placed")]
    [InlineData("")]
    [InlineData("..")]
    public async Task SendAsync_IllegalTopic_RejectsThatMessage(string illegalTopic)
    {
        string topic = NewTopic(cluster);
        await using KafkaOutboxTransport transport = CreateTransport(cluster);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(illegalTopic, "k", "x"), Message(topic, "k", "y")]);

        results[0].Status.Should().Be(OutboxSendStatus.Rejected);
        results[0].Error.Should().Contain("invalid topic");
        results[1].Status.Should().Be(OutboxSendStatus.Delivered);
    }

    [Fact]
    public async Task SendAsync_TopicTooLong_Rejected()
    {
        await using KafkaOutboxTransport transport = CreateTransport(cluster);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(new string('a', 250), "k", "x")]);

        results.Single().Status.Should().Be(OutboxSendStatus.Rejected);
    }

    [Fact]
    public async Task SendAsync_HeadersNotJson_RejectsThatMessage()
    {
        string topic = NewTopic(cluster);
        await using KafkaOutboxTransport transport = CreateTransport(cluster);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(topic, "k", "x", headers: "not json"), Message(topic, "k", "y")]);

        results.Select(r => r.Status).Should().Equal(OutboxSendStatus.Rejected, OutboxSendStatus.Delivered);
    }

    [Fact]
    public async Task SendAsync_EmptyBatch_ReturnsNoResults()
    {
        await using KafkaOutboxTransport transport = CreateTransport(cluster);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([]);

        results.Should().BeEmpty();
    }

    [Fact]
    public async Task SendAsync_WithListener_StartsProducerActivityWithMessagingTags()
    {
        string topic = NewTopic(cluster);
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OutboxDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (activities)
                {
                    activities.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using KafkaOutboxTransport transport = CreateTransport(cluster);

        await transport.SendAsync([Message(topic, "a", "1"), Message(topic, "b", "2"), Message(topic, "c", "3")]);

        Activity activity;
        lock (activities)
        {
            activity = activities.Single(a => (string?)a.GetTagItem("messaging.destination.name") == topic);
        }

        activity.OperationName.Should().Be("outbox publish");
        activity.Kind.Should().Be(ActivityKind.Producer);
        activity.GetTagItem("messaging.system").Should().Be("kafka");
        activity.GetTagItem("messaging.batch.message_count").Should().Be(3);
        activity.Status.Should().Be(ActivityStatusCode.Unset);
    }

    [Fact]
    public async Task SendAsync_AfterDispose_ThrowsObjectDisposed()
    {
        KafkaOutboxTransport transport = CreateTransport(cluster);
        await transport.DisposeAsync();
        transport.Dispose();

        Func<Task> send = () => transport.SendAsync([Message("t", "k", "x")]);

        await send.Should().ThrowAsync<ObjectDisposedException>();
    }
}
