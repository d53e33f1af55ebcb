using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Outbox.TestSupport.Fakes;

namespace Outbox.Core.Tests.Messages;

public sealed class OutboxMessageFactoryTests
{
    private readonly FakeTimeProvider clock = new();
    private readonly OutboxMessageFactory factory;

    public OutboxMessageFactoryTests() =>
        factory = new OutboxMessageFactory(Options.Create(new OutboxOptions { MaxPayloadBytes = 100 }), clock);

    [Fact]
    public void Create_TypedPayload_SerializesJsonAndStartsInInit()
    {
        OutboxMessage message = factory.Create("orders", "k1", new Sample("a", 1));

        message.Status.Should().Be(OutboxStatus.Init);
        message.Type.Should().Be(nameof(Sample));
        message.Key.Should().Be("k1");
        message.CreatedAt.Should().Be(clock.GetUtcNow());
        message.NextAttemptAt.Should().Be(clock.GetUtcNow());
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
    public void Create_IllegalTopic_ThrowsNamingTopic(string topic)
    {
        Action act = () => factory.Create(topic, null, new Sample("a", 1));

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("topic");
    }

    [Fact]
    public void Create_TopicLongerThan249_ThrowsNamingTopic()
    {
        Action act = () => factory.CreateRaw(new string('a', 250), null, []);

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("topic");
        factory.Invoking(f => f.CreateRaw(new string('a', 249), null, [])).Should().NotThrow();
    }

    [Fact]
    public void Create_NullPayload_ThrowsNamingPayload()
    {
        factory.Invoking(f => f.Create<Sample?>("orders", null, null)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("payload");
        factory.Invoking(f => f.CreateRaw("orders", null, null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("payload");
    }

    [Fact]
    public void Create_PayloadOverMaximum_ThrowsNamingPayloadAndTheLimit()
    {
        Action act = () => factory.CreateRaw("orders", null, new byte[101]);

        act.Should().Throw<ArgumentException>().WithMessage("*MaxPayloadBytes (100)*").Which.ParamName.Should().Be("payload");
        factory.Invoking(f => f.CreateRaw("orders", null, new byte[100])).Should().NotThrow();
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
