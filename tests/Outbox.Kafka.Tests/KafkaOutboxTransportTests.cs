using System.Diagnostics;
using System.Text;
using Outbox.Diagnostics;
using Outbox.TestSupport.Kafka;
using Outbox.Transport;
using static Outbox.Kafka.Tests.KafkaTestCluster;

namespace Outbox.Kafka.Tests;

/// <summary>
/// Produce and read back, no fault injection: on a real broker where one is given
/// (<c>OUTBOX_TEST_KAFKA</c>, or Testcontainers where Docker answers), else on the embedded mock
/// cluster. The fault tests (<see cref="KafkaOutboxTransportFaultTests"/>) always use a mock cluster.
/// </summary>
public sealed class KafkaOutboxTransportTests(KafkaBrokerFixture broker) : IClassFixture<KafkaBrokerFixture>
{
    private readonly string bootstrapServers = broker.BootstrapServers;

    [Fact]
    public async Task SendAsync_Batch_ArrivesWithKeyPayloadAndHeaders()
    {
        string topic = await broker.CreateTopicAsync();
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        OutboxMessage[] messages = Enumerable.Range(0, 10)
            .Select(i => Message(topic, $"order-{i}", $"{{\"n\":{i}}}", "OrderPlaced", $"{{\"traceparent\":\"{traceParent}\",\"tenant\":\"t{i}\"}}"))
            .ToArray();
        await using KafkaOutboxTransport transport = CreateTransport(bootstrapServers);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(messages);

        results.Should().HaveCount(10).And.OnlyContain(r => r.Status == OutboxSendStatus.Delivered);
        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(bootstrapServers, topic, 10, ReadTimeout);
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
        string topic = await broker.CreateTopicAsync(1);
        await using KafkaOutboxTransport transport = CreateTransport(bootstrapServers);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(topic, key: null, "no key")]);

        results.Should().ContainSingle().Which.Status.Should().Be(OutboxSendStatus.Delivered);
        KafkaRecord record = (await KafkaTopicReader.ReadAsync(bootstrapServers, topic, 1, ReadTimeout)).Should().ContainSingle().Subject;
        record.Key.Should().BeNull();
        record.Headers.Should().ContainKey(OutboxHeaderNames.MessageId).And.NotContainKey(OutboxHeaderNames.MessageType);
    }

    [Fact]
    public async Task SendAsync_200MessagesOverFiveKeys_KeepsEachKeysOrder()
    {
        string topic = await broker.CreateTopicAsync(6);
        OutboxMessage[] messages = Enumerable.Range(0, 200).Select(i => Message(topic, $"key-{i % 5}", i.ToString("D3", null))).ToArray();
        await using KafkaOutboxTransport transport = CreateTransport(bootstrapServers);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(messages);

        results.Should().OnlyContain(r => r.Status == OutboxSendStatus.Delivered);
        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(bootstrapServers, topic, 200, ReadTimeout);
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
        string topic = await broker.CreateTopicAsync();
        OutboxMessage[] messages = Enumerable.Range(0, 300).Select(i => Message(topic, $"k{i % 7}", $"m{i}")).ToArray();
        await using KafkaOutboxTransport transport = CreateTransport(bootstrapServers, o => o.Producer.QueueBufferingMaxMessages = 10);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(messages);

        results.Should().HaveCount(300).And.OnlyContain(r => r.Status == OutboxSendStatus.Delivered);
        KafkaTopicReader.GetEndOffsetSum(bootstrapServers, topic, ReadTimeout).Should().Be(300);
    }

    [Fact]
    public async Task SendAsync_PayloadAboveMessageMaxBytes_RejectsOnlyThatMessage()
    {
        string topic = await broker.CreateTopicAsync();
        OutboxMessage tooLarge = Message(topic, "k", new string('x', 20_000));
        OutboxMessage[] messages = [Message(topic, "k", "small-1"), tooLarge, Message(topic, "k", "small-2")];
        await using KafkaOutboxTransport transport = CreateTransport(bootstrapServers, o => o.Producer.MessageMaxBytes = 10_000);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync(messages);

        results.Select(r => r.Status).Should().Equal(OutboxSendStatus.Delivered, OutboxSendStatus.Rejected, OutboxSendStatus.Delivered);
        results[1].Error.Should().Contain("MsgSizeTooLarge");
        KafkaTopicReader.GetEndOffsetSum(bootstrapServers, topic, ReadTimeout).Should().Be(2);
    }

    [Theory]
    [InlineData("orders placed")]
    [InlineData("orders/placed")]
    [InlineData("")]
    [InlineData("..")]
    public async Task SendAsync_IllegalTopic_RejectsThatMessage(string illegalTopic)
    {
        string topic = await broker.CreateTopicAsync();
        await using KafkaOutboxTransport transport = CreateTransport(bootstrapServers);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(illegalTopic, "k", "x"), Message(topic, "k", "y")]);

        results[0].Status.Should().Be(OutboxSendStatus.Rejected);
        results[0].Error.Should().Contain("invalid topic");
        results[1].Status.Should().Be(OutboxSendStatus.Delivered);
    }

    [Fact]
    public async Task SendAsync_TopicTooLong_Rejected()
    {
        await using KafkaOutboxTransport transport = CreateTransport(bootstrapServers);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(new string('a', 250), "k", "x")]);

        results.Single().Status.Should().Be(OutboxSendStatus.Rejected);
    }

    [Fact]
    public async Task SendAsync_HeadersNotJson_RejectsThatMessage()
    {
        string topic = await broker.CreateTopicAsync();
        await using KafkaOutboxTransport transport = CreateTransport(bootstrapServers);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(topic, "k", "x", headers: "not json"), Message(topic, "k", "y")]);

        results.Select(r => r.Status).Should().Equal(OutboxSendStatus.Rejected, OutboxSendStatus.Delivered);
    }

    [Fact]
    public async Task SendAsync_EmptyBatch_ReturnsNoResults()
    {
        await using KafkaOutboxTransport transport = CreateTransport(bootstrapServers);

        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([]);

        results.Should().BeEmpty();
    }

    [Fact]
    public async Task SendAsync_WithListener_StartsProducerActivityWithMessagingTags()
    {
        string topic = await broker.CreateTopicAsync();
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OutboxDiagnostics.KafkaActivitySourceName,
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
        await using KafkaOutboxTransport transport = CreateTransport(bootstrapServers);

        await transport.SendAsync([Message(topic, "a", "1"), Message(topic, "b", "2"), Message(topic, "c", "3")]);

        Activity activity;
        lock (activities)
        {
            activity = activities.Single(a => (string?)a.GetTagItem("messaging.destination.name") == topic);
        }

        activity.OperationName.Should().Be("send " + topic);
        activity.Source.Name.Should().Be("Outbox.Kafka");
        activity.Kind.Should().Be(ActivityKind.Producer);
        activity.GetTagItem("messaging.system").Should().Be("kafka");
        activity.GetTagItem("messaging.operation.name").Should().Be("send");
        activity.GetTagItem("messaging.batch.message_count").Should().Be(3);
        activity.GetTagItem("outbox.outcome").Should().Be("delivered");
        activity.Status.Should().Be(ActivityStatusCode.Unset);
    }

    [Fact]
    public async Task SendAsync_AfterDispose_ThrowsObjectDisposed()
    {
        KafkaOutboxTransport transport = CreateTransport(bootstrapServers);
        await transport.DisposeAsync();
        transport.Dispose();

        Func<Task> send = () => transport.SendAsync([Message("t", "k", "x")]);

        await send.Should().ThrowAsync<ObjectDisposedException>();
    }
}
