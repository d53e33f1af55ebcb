using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Outbox.Storage;
using Outbox.Transport;

namespace Outbox.Core.Tests.Messages;

public sealed class OutboxMessageFactoryTests
{
    // A transport's topic rule, as a transport declares it (Kafka's own is tested in Outbox.Kafka.Tests).
    private static readonly OutboxTransportLimits Limits = new(TimeSpan.FromSeconds(1), 1000)
    {
        ValidateTopic = topic => topic.Length <= 249 && topic.All(char.IsAsciiLetterOrDigit) ? null : "use 1 to 249 ASCII letters or digits.",
    };

    private readonly FakeTimeProvider clock = new();
    private readonly OutboxMessageFactory factory;

    public OutboxMessageFactoryTests() =>
        factory = new OutboxMessageFactory(Options.Create(new OutboxOptions()), clock, Limits);

    [Fact]
    public void Create_TypedPayload_SerializesJsonAndStartsInInit()
    {
        OutboxMessage message = factory.Create("orders", "k1", new Sample("a", 1));

        message.Status.Should().Be(OutboxStatus.Init);
        message.Type.Should().Be(nameof(Sample));
        message.Key.Should().Be("k1");
        message.CreatedAt.Should().Be(default, "the database sets it, on its own clock, when the row is inserted");
        message.NextAttemptAt.Should().Be(default, "the database sets it too: a writer's clock never decides when a message is due");
        JsonDocument.Parse(message.Payload).RootElement.GetProperty("name").GetString().Should().Be("a");
    }

    [Fact]
    public void CreateRaw_Bytes_AreKeptAsGiven()
    {
        byte[] payload = Encoding.UTF8.GetBytes("raw");

        OutboxMessage message = factory.CreateRaw("orders", null, payload, "Raw", new Dictionary<string, string> { ["h"] = "v" });

        message.Payload.Should().Equal(payload);
        message.ReadHeaders().Should().Contain("h", "v");
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("has space")]
    [InlineData("slash/topic")]
    [InlineData("ünïcode")]
    public void Create_TopicTheTransportsRuleRefuses_ThrowsNamingTopic(string topic)
    {
        Action act = () => factory.Create(topic, null, new Sample("a", 1));

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("topic");
    }

    [Fact]
    public void Create_TopicLongerThanTheRuleAllows_ThrowsNamingTopicWithTheRulesFix()
    {
        Action act = () => factory.CreateRaw(new string('a', 250), null, []);

        act.Should().Throw<ArgumentException>().WithMessage("*not one the transport can send to: use 1 to 249 ASCII letters or digits.*").Which.ParamName.Should().Be("topic");
        factory.Invoking(f => f.CreateRaw(new string('a', 249), null, [])).Should().NotThrow();
    }

    [Fact]
    public void Create_NoTopicRuleDeclared_TakesAnyNonEmptyTopicButNotAnEmptyOne()
    {
        var anyTopic = new OutboxMessageFactory(Options.Create(new OutboxOptions()), clock, OutboxTransportLimits.Default);

        anyTopic.CreateRaw("slash/topic ünïcode", null, [1]).Topic.Should().Be("slash/topic ünïcode");
        anyTopic.Invoking(f => f.CreateRaw(string.Empty, null, [1])).Should().Throw<ArgumentException>().WithMessage("The topic is empty*").Which.ParamName.Should().Be("topic");
    }

    [Fact]
    public void Create_NullPayload_ThrowsNamingPayload()
    {
        factory.Invoking(f => f.Create<Sample?>("orders", null, null)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("payload");
        factory.Invoking(f => f.CreateRaw("orders", null, null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("payload");
    }

    [Fact]
    public void Create_RecordOverTheTransportsLimit_ThrowsNamingPayloadAndTheLimit()
    {
        // The transport takes 1,000-byte records; the outbox's own id header and the framing take about 565 of them.
        Action act = () => factory.CreateRaw("orders", null, new byte[500]);

        act.Should().Throw<ArgumentException>().WithMessage("*over the 1000 bytes the transport can send*").Which.ParamName.Should().Be("payload");
        factory.Invoking(f => f.CreateRaw("orders", null, new byte[400])).Should().NotThrow();
    }

    [Fact]
    public void Create_KeyAndHeadersCountInTheRecord_NotThePayloadAlone()
    {
        factory.Invoking(f => f.CreateRaw("orders", new string('k', 200), new byte[300])).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("payload");
        factory.Invoking(f => f.CreateRaw("orders", null, new byte[300], headers: new Dictionary<string, string> { ["h"] = new string('v', 200) }))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("payload");
        factory.Invoking(f => f.CreateRaw("orders", "k", new byte[300], headers: new Dictionary<string, string> { ["h"] = "v" })).Should().NotThrow();
    }

    [Theory]
    [InlineData("key", "a\\0b")]
    [InlineData("key", "a\\uD800b")]
    [InlineData("type", "Order\\0Placed")]
    [InlineData("headers", "name\\0")]
    [InlineData("headers", "\\uDC00")]
    public void Create_TextTheDatabaseOrKafkaCannotStore_ThrowsNamingTheParameter(string parameter, string escaped)
    {
        string value = System.Text.RegularExpressions.Regex.Unescape(escaped);
        Action act = parameter switch
        {
            "key" => () => factory.CreateRaw("orders", value, [1]),
            "type" => () => factory.CreateRaw("orders", null, [1], type: value),
            _ => () => factory.CreateRaw("orders", null, [1], headers: new Dictionary<string, string> { [value] = "v" }),
        };

        act.Should().Throw<ArgumentException>().WithMessage("*cannot store it*").Which.ParamName.Should().Be(parameter);
    }

    [Fact]
    public void Create_HeaderValueWithALoneSurrogate_ThrowsNamingHeaders()
    {
        Action act = () => factory.CreateRaw("orders", null, [1], headers: new Dictionary<string, string> { ["h"] = "\uD800" });

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("headers");
    }

    [Theory]
    [InlineData(OutboxHeaderNames.MessageId)]
    [InlineData(OutboxHeaderNames.MessageType)]
    public void Create_ReservedHeaderName_ThrowsInsteadOfDroppingIt(string name)
    {
        Action act = () => factory.CreateRaw("orders", null, [1], headers: new Dictionary<string, string> { [name] = "mine" });

        act.Should().Throw<ArgumentException>().WithMessage("*reserved*").Which.ParamName.Should().Be("headers");
    }

    [Fact]
    public void Create_TopicTheTransportDoesNotSendTo_ThrowsNamingTopic()
    {
        var limits = new OutboxTransportLimits(TimeSpan.FromSeconds(1), 1_000_000) { Topics = new HashSet<string> { "orders" } };
        var restricted = new OutboxMessageFactory(Options.Create(new OutboxOptions()), clock, limits);

        restricted.Invoking(f => f.CreateRaw("payments", null, [1])).Should().Throw<ArgumentException>().WithMessage("*ConfirmationTopics*").Which.ParamName.Should().Be("topic");
        restricted.Invoking(f => f.CreateRaw("orders", null, [1])).Should().NotThrow();
    }

    [Fact]
    public void Create_EmptyKey_IsAKeyLikeAnyOther()
    {
        factory.CreateRaw("orders", string.Empty, [1]).Key.Should().Be(string.Empty);
    }

    [Fact]
    public void Create_EmptyHeaderName_ThrowsNamingHeaders()
    {
        Action act = () => factory.CreateRaw("orders", null, [], headers: new Dictionary<string, string> { [" "] = "v" });

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("headers");
    }

    [Fact]
    public void Create_InsideAnActivity_CapturesTraceParent()
    {
        using var activity = new Activity("write").SetIdFormat(ActivityIdFormat.W3C).Start();

        OutboxMessage message = factory.Create("orders", null, new Sample("a", 1));

        message.ReadHeaders()[OutboxHeaderNames.TraceParent].Should().Be(activity.Id);
    }

    private sealed record Sample(string Name, int Value);
}
