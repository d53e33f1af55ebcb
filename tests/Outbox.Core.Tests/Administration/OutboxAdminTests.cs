using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Outbox.Administration;
using Outbox.Core.Tests.Relay;
using Outbox.Storage;

namespace Outbox.Core.Tests.Administration;

public sealed class OutboxAdminTests
{
    private readonly FakeTimeProvider clock = new();
    private readonly FakeOutboxStore store;
    private readonly CountingSignal signal = new();

    public OutboxAdminTests() => store = new FakeOutboxStore(clock);

    [Fact]
    public async Task RequeueAsync_DeadMessage_MovesToInitAndWakesTheRelay()
    {
        OutboxMessage dead = AddMessage(OutboxStatus.Dead);
        OutboxMessage complete = AddMessage(OutboxStatus.Complete);
        var admin = new OutboxAdmin(store, signal);

        (await admin.ListDeadAsync()).Select(m => m.Id).Should().Equal(dead.Id);
        int requeued = await admin.RequeueAsync([dead.Id, complete.Id]);

        requeued.Should().Be(1);
        store.Get(dead.Id).Status.Should().Be(OutboxStatus.Init);
        store.Get(dead.Id).Attempts.Should().Be(0);
        store.Get(complete.Id).Status.Should().Be(OutboxStatus.Complete);
        signal.Count.Should().Be(1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public async Task ListDeadAsync_LimitOutOfRange_ThrowsNamingLimit(int limit)
    {
        var admin = new OutboxAdmin(store, signal);

        (await admin.Invoking(a => a.ListDeadAsync(limit)).Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.ParamName.Should().Be("limit");
    }

    [Fact]
    public async Task RequeueAsync_Null_ThrowsNamingMessageIds()
    {
        var admin = new OutboxAdmin(store, signal);

        (await admin.Invoking(a => a.RequeueAsync(null!)).Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("messageIds");
    }

    private OutboxMessage AddMessage(OutboxStatus status)
    {
        OutboxMessage message = new OutboxMessageFactory(Options.Create(new OutboxOptions()), clock).CreateRaw("t", null, [1]);
        message.Status = status;
        message.Attempts = status == OutboxStatus.Dead ? 20 : 0;
        store.Add(message);
        return message;
    }

    private sealed class CountingSignal : IOutboxSignal
    {
        public int Count { get; private set; }

        public void Notify() => Count++;
    }
}
