using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Outbox.Diagnostics;
using Outbox.TestSupport.Kafka;
using Outbox.Transport;
using static Outbox.Kafka.Tests.KafkaTestCluster;

namespace Outbox.Kafka.Tests;

/// <summary>
/// The transport's send span and metrics by the messaging conventions, seen through an
/// <see cref="ActivityListener"/> and a <see cref="MeterListener"/> (the OpenTelemetry SDK's own
/// export is tested end to end). Other tests send in parallel: everything is picked by topic.
/// </summary>
public sealed class KafkaSendTelemetryTests : IClassFixture<KafkaBrokerFixture>, IDisposable
{
    private readonly KafkaBrokerFixture broker;
    private const string WriterA = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string WriterB = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private readonly ConcurrentQueue<Activity> spans = new();
    private readonly ActivityListener listener;

    public KafkaSendTelemetryTests(KafkaBrokerFixture broker)
    {
        this.broker = broker;
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OutboxDiagnostics.KafkaActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public void Dispose() => listener.Dispose();

    [Fact]
    public async Task SendAsync_MessagesWrittenInTwoTraces_SpanLinksOnceToEachWriterContext()
    {
        string topic = await broker.CreateTopicAsync();
        OutboxMessage[] messages =
        [
            Message(topic, "a", "1", headers: $"{{\"traceparent\":\"{WriterA}\",\"tracestate\":\"vendor=1\"}}"),
            Message(topic, "b", "2", headers: $"{{\"traceparent\":\"{WriterA}\"}}"),
            Message(topic, "c", "3", headers: $"{{\"traceparent\":\"{WriterB}\"}}"),
            Message(topic, "d", "4"),
        ];
        await using KafkaOutboxTransport transport = CreateTransport(broker.BootstrapServers);

        await transport.SendAsync(messages);

        Activity span = SpanFor(topic);
        span.Links.Select(l => l.Context.TraceId.ToString()).Should().Equal("0af7651916cd43dd8448eb211c80319c", "4bf92f3577b34da6a3ce929d0e0e4736");
        ActivityLink first = span.Links.First();
        first.Context.SpanId.ToString().Should().Be("b7ad6b7169203331");
        first.Context.TraceState.Should().Be("vendor=1");
        first.Context.IsRemote.Should().BeTrue();
        first.Tags!.Should().ContainSingle(t => t.Key == "messaging.message.id" && (string?)t.Value == messages[0].Id.ToString());
        span.GetTagItem("messaging.batch.message_count").Should().Be(4);
        span.GetTagItem("messaging.message.id").Should().BeNull("a batch has no single message id");
    }

    [Fact]
    public async Task SendAsync_OneMessage_SpanNamedAfterTheTopicWithTheMessageId()
    {
        string topic = await broker.CreateTopicAsync();
        OutboxMessage message = Message(topic, "a", "1");
        await using KafkaOutboxTransport transport = CreateTransport(broker.BootstrapServers);

        await transport.SendAsync([message]);

        Activity span = SpanFor(topic);
        span.DisplayName.Should().Be("send " + topic);
        span.GetTagItem("messaging.message.id").Should().Be(message.Id.ToString());
        span.GetTagItem("messaging.batch.message_count").Should().BeNull();
        span.GetTagItem("messaging.operation.type").Should().Be("send");
        span.Links.Should().BeEmpty("the message was written outside any trace");
    }

    [Fact]
    public async Task SendAsync_TwoTopics_SpanNamedSendWithoutADestination()
    {
        string first = await broker.CreateTopicAsync();
        string second = await broker.CreateTopicAsync();
        var trace = ActivityTraceId.CreateRandom();
        OutboxMessage marker = Message(first, "a", "1", headers: $"{{\"traceparent\":\"00-{trace}-{ActivitySpanId.CreateRandom()}-01\"}}");
        await using KafkaOutboxTransport transport = CreateTransport(broker.BootstrapServers);

        await transport.SendAsync([marker, Message(second, "b", "2")]);

        Activity span = spans.Single(a => a.Links.Any(l => l.Context.TraceId == trace));
        span.DisplayName.Should().Be("send");
        span.GetTagItem("messaging.destination.name").Should().BeNull("the conventions name one destination or none");
        span.GetTagItem("messaging.batch.message_count").Should().Be(2);
    }

    [Fact]
    public async Task SendAsync_OneRejectedOneDelivered_PartialOnTheSpanAndSentMessagesCountedPerOutcome()
    {
        string topic = await broker.CreateTopicAsync();
        var counted = new ConcurrentQueue<(long Value, Dictionary<string, object?> Tags)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == OutboxDiagnostics.KafkaMeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "messaging.client.sent.messages")
            {
                counted.Enqueue((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        meters.Start();
        await using KafkaOutboxTransport transport = CreateTransport(broker.BootstrapServers);
        IReadOnlyList<OutboxSendResult> results = await transport.SendAsync([Message(topic, "a", "1", headers: "not json"), Message(topic, "b", "2")]);

        results.Select(r => r.Status).Should().Equal(OutboxSendStatus.Rejected, OutboxSendStatus.Delivered);
        Activity span = SpanFor(topic);
        span.GetTagItem("outbox.outcome").Should().Be("partial");
        span.GetTagItem("error.type").Should().Be("partial");
        List<(long Value, Dictionary<string, object?> Tags)> ours = counted.Where(c => (string?)c.Tags["messaging.destination.name"] == topic).ToList();
        ours.Should().HaveCount(2);
        ours.Single(c => (string?)c.Tags["outbox.outcome"] == "rejected").Should().Match<(long Value, Dictionary<string, object?> Tags)>(c => c.Value == 1 && (string?)c.Tags["error.type"] == "rejected");
        ours.Single(c => (string?)c.Tags["outbox.outcome"] == "delivered").Should().Match<(long Value, Dictionary<string, object?> Tags)>(c => c.Value == 1 && !c.Tags.ContainsKey("error.type"));
        ours.Should().OnlyContain(c => (string?)c.Tags["messaging.system"] == "kafka" && (string?)c.Tags["messaging.operation.name"] == "send");
    }

    private Activity SpanFor(string topic) => spans.Single(a => (string?)a.GetTagItem("messaging.destination.name") == topic);
}
