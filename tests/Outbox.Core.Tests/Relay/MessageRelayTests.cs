using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Outbox.TestSupport.Fakes;

namespace Outbox.Core.Tests.Relay;

/// <summary>The relay's logic over an in-memory fake store and a fake transport (the SQL stores and Kafka are tested in their own projects).</summary>
public sealed class MessageRelayTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new();
    private readonly FakeOutboxStore store = new();
    private readonly FakeOutboxTransport transport = new();
    private readonly OutboxOptions options = new() { RelayName = "test", MaxAttempts = 3, RetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(10) };
    private readonly ServiceProvider services;
    private readonly OutboxMessageFactory factory;

    public MessageRelayTests()
    {
        services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IOutboxStore>(store)
            .BuildServiceProvider();
        factory = new OutboxMessageFactory(Options.Create(options), clock);
    }

    public ValueTask DisposeAsync() => services.DisposeAsync();

    [Fact]
    public async Task RelayOnceAsync_Delivered_CompletesEveryMessage()
    {
        OutboxMessage[] messages = Write(3, key: null);

        int claimed = await CreateRelay().RelayOnceAsync();

        claimed.Should().Be(3);
        transport.Delivered.Should().Equal(messages.Select(m => m.Id));
        messages.Should().OnlyContain(m => store.Get(m.Id).Status == OutboxStatus.Complete && store.Get(m.Id).CompletedAt == clock.GetUtcNow());
        (await CreateRelay().RelayOnceAsync()).Should().Be(0);
    }

    [Fact]
    public async Task RelayOnceAsync_Failed_GoesBackToInitWithAttemptErrorAndBackoff()
    {
        OutboxMessage message = Write(1)[0];
        transport.Answer = _ => OutboxSendResult.Failed("broker down");

        await CreateRelay().RelayOnceAsync();

        OutboxMessage row = store.Get(message.Id);
        row.Status.Should().Be(OutboxStatus.Init);
        row.Attempts.Should().Be(1);
        row.LastError.Should().Be("broker down");
        row.NextAttemptAt.Should().BeOnOrAfter(clock.GetUtcNow().AddMilliseconds(750)).And.BeOnOrBefore(clock.GetUtcNow().AddMilliseconds(1250));
        (await CreateRelay().RelayOnceAsync()).Should().Be(0, "the retry is not due yet");
    }

    [Fact]
    public async Task RelayOnceAsync_FailsMaxAttemptsTimes_BecomesDead()
    {
        OutboxMessage message = Write(1)[0];
        transport.Answer = _ => OutboxSendResult.Failed("broker down");
        MessageRelay relay = CreateRelay();

        for (int i = 0; i < options.MaxAttempts; i++)
        {
            (await relay.RelayOnceAsync()).Should().Be(1);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        store.Get(message.Id).Status.Should().Be(OutboxStatus.Dead);
        store.Get(message.Id).Attempts.Should().Be(options.MaxAttempts);
        (await relay.RelayOnceAsync()).Should().Be(0);
    }

    [Fact]
    public async Task RelayOnceAsync_Rejected_BecomesDeadAtOnceAndTheKeysNextMessageFlows()
    {
        OutboxMessage[] messages = Write(2, key: "k");
        transport.Answer = m => m.Id == messages[0].Id ? OutboxSendResult.Rejected("too large") : OutboxSendResult.Delivered;
        MessageRelay relay = CreateRelay();

        await relay.RelayOnceAsync();
        await relay.RelayOnceAsync();

        store.Get(messages[0].Id).Status.Should().Be(OutboxStatus.Dead);
        store.Get(messages[0].Id).LastError.Should().Be("too large");
        store.Get(messages[1].Id).Status.Should().Be(OutboxStatus.Complete);
    }

    [Fact]
    public async Task RelayOnceAsync_SentAwaitingConfirmation_StaysPublishUnderTheLeaseUntilConfirmed()
    {
        OutboxMessage[] messages = Write(2, key: "k");
        transport.Answer = _ => new OutboxSendResult(OutboxSendStatus.Sent);
        MessageRelay relay = CreateRelay();

        (await relay.RelayOnceAsync()).Should().Be(1);

        store.Get(messages[0].Id).Status.Should().Be(OutboxStatus.Publish);
        store.Get(messages[0].Id).LeaseOwner.Should().Be(relay.LeaseOwner);
        (await relay.RelayOnceAsync()).Should().Be(0, "the key's next message waits for the confirmation");

        (await store.ConfirmAsync([messages[0].Id], clock.GetUtcNow())).Should().Be(1);

        store.Get(messages[0].Id).Status.Should().Be(OutboxStatus.Complete);
        (await relay.RelayOnceAsync()).Should().Be(1);
    }

    [Fact]
    public async Task RelayOnceAsync_TransportThrows_EveryMessageIsRetriedNotLost()
    {
        OutboxMessage[] messages = Write(3, key: null);
        transport.ThrowOnSend = new InvalidOperationException("transport bug");

        await CreateRelay().RelayOnceAsync();

        messages.Should().OnlyContain(m => store.Get(m.Id).Status == OutboxStatus.Init && store.Get(m.Id).Attempts == 1);
        transport.ThrowOnSend = null;
        clock.Advance(TimeSpan.FromMinutes(1));
        await CreateRelay().RelayOnceAsync();
        transport.Delivered.Should().BeEquivalentTo(messages.Select(m => m.Id));
    }

    [Fact]
    public async Task RelayOnceAsync_CancelledDuringSend_ReleasesTheClaimWithoutCountingAnAttempt()
    {
        OutboxMessage message = Write(1)[0];
        using var cancel = new CancellationTokenSource();
        transport.BeforeSend = async token =>
        {
            await cancel.CancelAsync();
            token.ThrowIfCancellationRequested();
        };

        Func<Task> act = () => CreateRelay().RelayOnceAsync(cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        OutboxMessage row = store.Get(message.Id);
        row.Status.Should().Be(OutboxStatus.Init);
        row.Attempts.Should().Be(0);
        row.LeaseOwner.Should().BeNull();
    }

    [Fact]
    public async Task RelayOnceAsync_RecordingFailsTransiently_IsRetriedAndApplied()
    {
        OutboxMessage message = Write(1)[0];
        store.RecordFailuresToInject = 2;

        await CreateRelay().RelayOnceAsync();

        store.RecordCalls.Should().Be(3);
        store.Get(message.Id).Status.Should().Be(OutboxStatus.Complete);
    }

    [Fact]
    public async Task RelayOnceAsync_ThirdOfFiveFailsTwice_KeyOrderIsKept()
    {
        OutboxMessage[] messages = Write(5, key: "k");
        int failuresLeft = 2;
        transport.Answer = m => m.Id == messages[2].Id && failuresLeft-- > 0 ? OutboxSendResult.Failed("not leader") : OutboxSendResult.Delivered;
        MessageRelay relay = CreateRelay();

        for (int pass = 0; pass < 20 && transport.Delivered.Count < 5; pass++)
        {
            await relay.RelayOnceAsync();
            clock.Advance(TimeSpan.FromSeconds(30));
        }

        transport.Delivered.Should().Equal(messages.Select(m => m.Id));
        store.Get(messages[2].Id).Attempts.Should().Be(2);
    }

    [Fact]
    public async Task RelayOnceAsync_StaleOwner_OutcomeIsRefusedAndTheNewOwnerWins()
    {
        OutboxMessage message = Write(1)[0];
        MessageRelay slow = CreateRelay();
        MessageRelay other = CreateRelay();
        transport.BeforeSend = async _ =>
        {
            // While "slow" is sending, its lease runs out and "other" takes the message over and completes it.
            transport.BeforeSend = null;
            clock.Advance(options.LeaseDuration + TimeSpan.FromSeconds(1));
            (await other.RelayOnceAsync(CancellationToken.None)).Should().Be(1);
        };
        transport.Answer = _ => OutboxSendResult.Delivered;

        await slow.RelayOnceAsync();

        store.Get(message.Id).Status.Should().Be(OutboxStatus.Complete);
        transport.Delivered.Should().Equal(message.Id, message.Id);
    }

    [Fact]
    public async Task PassAsync_KeepsOutcomesPendingUntilTheNextClaimWhichRecordsThemFirst()
    {
        OutboxMessage[] messages = Write(2, key: "k");
        MessageRelay relay = CreateRelay();
        var pending = new List<OutboxOutcome>();

        (await relay.PassAsync(pending, CancellationToken.None)).Should().Be(1);
        pending.Should().ContainSingle().Which.Status.Should().Be(OutboxStatus.Complete);
        store.Get(messages[0].Id).Status.Should().Be(OutboxStatus.Publish, "the outcome is recorded with the next claim");

        (await relay.PassAsync(pending, CancellationToken.None)).Should().Be(1, "the key's next message is claimable once the first is recorded");
        store.Get(messages[0].Id).Status.Should().Be(OutboxStatus.Complete);
        pending.Should().ContainSingle().Which.MessageId.Should().Be(messages[1].Id);

        (await relay.PassAsync(pending, CancellationToken.None)).Should().Be(0);
        pending.Should().BeEmpty();
        messages.Should().OnlyContain(m => store.Get(m.Id).Status == OutboxStatus.Complete);
        transport.Delivered.Should().Equal(messages.Select(m => m.Id));
    }

    [Fact]
    public async Task PassAsync_RecordingWithTheNextClaimFailsTransiently_IsRetriedAndApplied()
    {
        OutboxMessage[] messages = Write(2, key: "k");
        MessageRelay relay = CreateRelay();
        var pending = new List<OutboxOutcome>();
        await relay.PassAsync(pending, CancellationToken.None);
        store.RecordFailuresToInject = 2;

        int claimed = await relay.PassAsync(pending, CancellationToken.None);

        claimed.Should().Be(1);
        store.RecordCalls.Should().Be(3, "two failed tries, then the one that applied");
        store.Get(messages[0].Id).Status.Should().Be(OutboxStatus.Complete);
        pending.Should().ContainSingle().Which.MessageId.Should().Be(messages[1].Id);
    }

    private OutboxMessage[] Write(int count, string? key = "k")
    {
        var messages = new OutboxMessage[count];
        for (int i = 0; i < count; i++)
        {
            messages[i] = factory.CreateRaw("orders", key, [(byte)i]);
            store.Add(messages[i]);
        }

        return messages;
    }

    private MessageRelay CreateRelay() => new(
        services.GetRequiredService<IServiceScopeFactory>(),
        transport,
        Options.Create(options),
        clock,
        new OutboxMetrics(null),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<MessageRelay>.Instance);
}
