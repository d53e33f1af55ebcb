using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Outbox.Core.Tests.Relay;
using Outbox.Diagnostics;
using Outbox.Direct;
using Outbox.Relay;
using Outbox.Storage;

namespace Outbox.Core.Tests.Direct;

/// <summary>The direct sender over the in-memory fake store and fake transport, on the real clock.</summary>
public sealed class DirectSenderTests : IAsyncDisposable
{
    private readonly FakeOutboxStore store = new();
    private readonly FakeOutboxTransport transport = new();
    private readonly OutboxOptions options = new() { RelayName = "test", LeaseDuration = TimeSpan.FromSeconds(30) };
    private readonly OutboxSignal signal = new();
    private readonly ServiceProvider services;
    private readonly DirectSendQueue queue;
    private readonly DirectSender sender;
    private readonly CancellationTokenSource stopping = new();
    private Task? running;

    public DirectSenderTests()
    {
        services = new ServiceCollection().AddOutboxStoreContracts(store).BuildServiceProvider();
        var clock = new DatabaseClock(TimeProvider.System);
        queue = new DirectSendQueue(Options.Create(options), TimeProvider.System, clock);
        sender = new DirectSender(
            services.GetRequiredService<IServiceScopeFactory>(), new RelayPipeline(services.GetRequiredService<IServiceScopeFactory>(), transport, Options.Create(options), TimeProvider.System, new OutboxMetrics(null), NullLogger<RelayWorker>.Instance),
            Options.Create(options), TimeProvider.System, new OutboxMetrics(null), signal, queue, clock, NullLogger<DirectSender>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (running is not null)
        {
            await running.WaitAsync(TimeSpan.FromSeconds(10));
        }

        stopping.Dispose();
        signal.Dispose();
        await services.DisposeAsync();
    }

    [Fact]
    public async Task CommittedOwnedMessages_SentInKeyOrderAndCompletedWithoutAClaim()
    {
        OutboxOwnership ownership = await StartAsync();
        OutboxMessage[] messages = [Message("a"), Message("a"), Message("b"), Message("a"), Message(null)];

        Commit(ownership, messages);
        await WaitUntilAsync(() => messages.All(m => store.Get(m.Id).Status == OutboxStatus.Complete));

        Guid[] keyA = [.. messages.Where(m => m.Key == "a").Select(m => m.Id)];
        transport.Delivered.Where(keyA.Contains).Should().Equal(keyA, "one key's messages go in commit order");
        transport.Delivered.Should().HaveCount(messages.Length, "each message went once");
        store.ClaimCalls.Should().Be(0, "nothing was polled for");
        store.RecordCalls.Should().BeLessThan(messages.Length, "outcomes are recorded in batches, with the next admission");
    }

    [Fact]
    public async Task KeysEarlierMessageUnfinishedInTheStore_GivenBackToTheClaimsAndNotSent()
    {
        OutboxOwnership ownership = await StartAsync();
        OutboxMessage earlier = Message("k");
        store.Add(earlier); // INIT: written where no direct sender ran
        OutboxMessage owned = Message("k");

        Commit(ownership, [owned]);
        await WaitUntilAsync(() => store.Get(owned.Id).Status == OutboxStatus.Init);

        transport.Delivered.Should().BeEmpty("the key's earlier message must go first, by a claim");
        store.Get(owned.Id).LeaseOwner.Should().BeNull();
    }

    [Fact]
    public async Task LeaseTooShortForTheSend_GivenBackUnsent()
    {
        options.LeaseDuration = TimeSpan.FromSeconds(2); // less than the 1 s send margin + the transport's 1 s
        OutboxOwnership ownership = await StartAsync();
        OutboxMessage message = Message(null);

        Commit(ownership, [message]);
        await WaitUntilAsync(() => store.Get(message.Id).Status == OutboxStatus.Init);

        transport.Delivered.Should().BeEmpty("a send that could outlive its lease is fenced off");
    }

    [Fact]
    public async Task StoreWithoutDirectSends_SenderStaysOffAndGivesNoLeases()
    {
        await using ServiceProvider plain = new ServiceCollection().AddOutboxStoreContracts(new StoreWithoutDirectSends()).BuildServiceProvider();
        var clock = new DatabaseClock(TimeProvider.System);
        var offQueue = new DirectSendQueue(Options.Create(options), TimeProvider.System, clock);
        var off = new DirectSender(
            plain.GetRequiredService<IServiceScopeFactory>(), new RelayPipeline(plain.GetRequiredService<IServiceScopeFactory>(), transport, Options.Create(options), TimeProvider.System, new OutboxMetrics(null), NullLogger<RelayWorker>.Instance),
            Options.Create(options), TimeProvider.System, new OutboxMetrics(null), signal, offQueue, clock, NullLogger<DirectSender>.Instance);

        await off.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        offQueue.TryOwn().Should().BeNull("every message is written INIT for the claims");
    }

    private async Task<OutboxOwnership> StartAsync()
    {
        running = sender.RunAsync(stopping.Token);
        OutboxOwnership? ownership = null;
        await WaitUntilAsync(() => (ownership = queue.TryOwn()) is not null);
        ownership!.LeaseOwner.Should().Be(sender.LeaseOwner);
        return ownership;
    }

    /// <summary>What the interceptors do: the rows are written owned, then handed over at commit.</summary>
    private void Commit(OutboxOwnership ownership, IReadOnlyList<OutboxMessage> messages)
    {
        foreach (OutboxMessage message in messages)
        {
            message.Status = OutboxStatus.Publish;
            message.LeaseOwner = ownership.LeaseOwner;
            message.LeaseExpiresAt = ownership.LeaseExpiresAt;
            store.Add(message);
        }

        queue.Committed(ownership, messages);
    }

    private OutboxMessage Message(string? key) => new OutboxMessageFactory(Options.Create(options), TimeProvider.System).CreateRaw("orders", key, [1]);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        condition().Should().BeTrue("the sender should get there within 10 s");
    }

    /// <summary>A fake store that, like a third-party store, does not implement <see cref="IOutboxDirectSendStore"/>.</summary>
    private sealed class StoreWithoutDirectSends : IOutboxStore
    {
        public Task<IReadOnlyList<OutboxMessage>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<OutboxMessage>>([]);

        public Task<int> RecordOutcomesAsync(IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken = default) => Task.FromResult(0);

        public Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default) => Task.FromResult(new OutboxSummary(0, 0, 0, 0, null));

        public Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default) => Task.FromResult(0);

        public Task<IReadOnlyList<OutboxMessage>> ListDeadAsync(int limit, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<OutboxMessage>>([]);

        public Task<int> RequeueDeadAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default) => Task.FromResult(0);

        public Task<int> DeleteFinishedAsync(OutboxStatus status, TimeSpan retention, int limit, CancellationToken cancellationToken = default) => Task.FromResult(0);

        public Task<(int Recorded, IReadOnlyList<OutboxMessage> Claimed)> RecordOutcomesAndClaimAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim claim, CancellationToken cancellationToken = default) =>
            Task.FromResult<(int, IReadOnlyList<OutboxMessage>)>((0, []));

        public Task<OutboxBacklog> GetBacklogAsync(CancellationToken cancellationToken = default) => Task.FromResult(new OutboxBacklog(0, 0, 0, null));

        public Task<OutboxMessage?> GetMessageAsync(Guid messageId, CancellationToken cancellationToken = default) => Task.FromResult<OutboxMessage?>(null);
    }
}
