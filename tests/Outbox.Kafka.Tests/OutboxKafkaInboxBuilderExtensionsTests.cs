using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Outbox.Inbox;
using Outbox.Kafka.Inbox;

namespace Outbox.Kafka.Tests;

/// <summary><c>AddKafkaInboxConsumer</c>: bad arguments fail at the call, a missing inbox store or broker list at the host's start.</summary>
public sealed class OutboxKafkaInboxBuilderExtensionsTests
{
    [Theory]
    [InlineData("", "orders", "groupId")]
    [InlineData("billing", "", "topics")]
    [InlineData("billing", "bad topic", "topics")]
    public void AddKafkaInboxConsumer_BadArgument_ThrowsNamingIt(string group, string topic, string parameter)
    {
        var services = new ServiceCollection();
        IOutboxBuilder builder = services.AddOutbox();
        int registered = services.Count;
        IEnumerable<string> topics = topic.Length == 0 ? [] : [topic];

        Action add = () => builder.AddKafkaInboxConsumer<NoOpHandler>(group, topics);

        add.Should().Throw<ArgumentException>().Which.ParamName.Should().Be(parameter);
        services.Should().HaveCount(registered, "nothing is registered by a call that failed");
    }

    [Fact]
    public void AddKafkaInboxConsumer_GroupIdLongerThanTheInboxHolds_ThrowsNamingIt()
    {
        Action add = () => new ServiceCollection().AddOutbox().AddKafkaInboxConsumer<NoOpHandler>(new string('g', IOutboxInbox.MaxConsumerLength + 1), "orders");

        add.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("groupId");
    }

    [Fact]
    public void AddKafkaInboxConsumer_SameGroupTwice_ThrowsAtTheSecondCall()
    {
        IOutboxBuilder builder = new ServiceCollection().AddOutbox().AddKafkaInboxConsumer<NoOpHandler>("billing", "orders");

        Action again = () => builder.AddKafkaInboxConsumer<NoOpHandler>("billing", "payments");

        again.Should().Throw<InvalidOperationException>().WithMessage("*'billing' was added before*");
        builder.AddKafkaInboxConsumer<NoOpHandler>("shipping", "orders").Should().BeSameAs(builder, "another group is another consumer");
    }

    [Fact]
    public async Task HostStart_NoStore_FailsSayingToUseEntityFrameworkCore()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddOutbox(o => o.EnableRelay = false)
            .UseKafka(k => k.BootstrapServers = "localhost:9")
            .AddKafkaInboxConsumer<NoOpHandler>("billing", "orders");
        using IHost host = builder.Build();

        Func<Task> start = () => host.StartAsync();

        // The outbox's own start check names the store to add; the consumer checks again for a store without an inbox.
        (await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).WithMessage("*UseEntityFrameworkCore<TDbContext>()*");
    }

    private sealed class NoOpHandler : IKafkaInboxHandler
    {
        public Task HandleAsync(ConsumeResult<string?, byte[]> record, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
