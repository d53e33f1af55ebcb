using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Outbox.Diagnostics;
using Outbox.Relay;
using Outbox.Storage;
using Outbox.Transport;

namespace Outbox.Core.Tests.Relay;

/// <summary>The relay's logic over an in-memory fake store and a fake transport (the SQL stores and Kafka are tested in their own projects).</summary>
public sealed class MessageRelayTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new();
    private readonly FakeOutboxStore store;
    private readonly FakeOutboxTransport transport = new();
    private readonly OutboxOptions options = new() { RelayName = "test", MaxAttempts = 3, RetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(10) };
    private readonly ServiceProvider services;
    private readonly OutboxMessageFactory factory;

    public MessageRelayTests()
    {
        store = new FakeOutboxStore(clock);
        services = new ServiceCollection()
            .AddLogging()
            .AddOutboxStoreContracts(store)
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
        RelayPipeline pipeline = CreatePipeline();
        var relay = new MessageRelay(pipeline);

        (await relay.RelayOnceAsync()).Should().Be(1);

        store.Get(messages[0].Id).Status.Should().Be(OutboxStatus.Publish);
        store.Get(messages[0].Id).LeaseOwner.Should().StartWith(pipeline.Instance.Name + "/");
        (await relay.RelayOnceAsync()).Should().Be(0, "the key's next message waits for the confirmation");

        (await store.ConfirmAsync([messages[0].Id])).Should().Be(1);

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

        await WhileRetryingAsync(CreateRelay().RelayOnceAsync());

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
        RelayPipeline pipeline = CreatePipeline();
        var relay = new MessageRelay(pipeline);
        RelayWorker worker = pipeline.CreateWorker();

        (await worker.PassAsync(CancellationToken.None)).Should().Be(1);
        worker.Pending.Should().ContainSingle().Which.Status.Should().Be(OutboxStatus.Complete);
        store.Get(messages[0].Id).Status.Should().Be(OutboxStatus.Publish, "the outcome is recorded with the next claim");

        (await worker.PassAsync(CancellationToken.None)).Should().Be(1, "the key's next message is claimable once the first is recorded");
        store.Get(messages[0].Id).Status.Should().Be(OutboxStatus.Complete);
        worker.Pending.Should().ContainSingle().Which.MessageId.Should().Be(messages[1].Id);

        (await worker.PassAsync(CancellationToken.None)).Should().Be(0);
        worker.PendingCount.Should().Be(0);
        messages.Should().OnlyContain(m => store.Get(m.Id).Status == OutboxStatus.Complete);
        transport.Delivered.Should().Equal(messages.Select(m => m.Id));
    }

    [Fact]
    public async Task PassAsync_RecordingWithTheNextClaimFailsTransiently_IsRetriedAndApplied()
    {
        OutboxMessage[] messages = Write(2, key: "k");
        RelayPipeline pipeline = CreatePipeline();
        var relay = new MessageRelay(pipeline);
        RelayWorker worker = pipeline.CreateWorker();
        await worker.PassAsync(CancellationToken.None);
        store.RecordFailuresToInject = 2;

        int claimed = await WhileRetryingAsync(worker.PassAsync(CancellationToken.None));

        claimed.Should().Be(1);
        store.RecordCalls.Should().Be(3, "two failed tries, then the one that applied");
        store.Get(messages[0].Id).Status.Should().Be(OutboxStatus.Complete);
        worker.Pending.Should().ContainSingle().Which.MessageId.Should().Be(messages[1].Id);
    }

    [Fact]
    public async Task PassAsync_ClaimLeavesTooLittleLeaseToSend_GivesTheBatchBackUnsentWithoutAnAttempt()
    {
        OutboxMessage[] messages = Write(2, key: null);
        // The claim returns after most of the lease: what is left cannot cover a send (1 s) plus the relay's margin (1 s).
        store.DuringClaim = () => clock.Advance(options.LeaseDuration - TimeSpan.FromSeconds(1.5));
        RelayPipeline pipeline = CreatePipeline();
        var relay = new MessageRelay(pipeline);
        RelayWorker worker = pipeline.CreateWorker();

        (await worker.PassAsync(CancellationToken.None)).Should().Be(2);

        transport.SendWindows.Should().BeEmpty("nothing may be sent that could reach the broker after the lease");
        worker.Pending.Should().OnlyContain(o => o.Status == OutboxStatus.Init && o.Attempts == 0 && o.RetryAfter == TimeSpan.Zero);
        store.DuringClaim = null;
        await worker.FlushAsync();
        messages.Should().OnlyContain(m => store.Get(m.Id).Status == OutboxStatus.Init && store.Get(m.Id).Attempts == 0);
        (await relay.RelayOnceAsync()).Should().Be(2, "given back, due at once");
        transport.Delivered.Should().Equal(messages.Select(m => m.Id));
    }

    [Fact]
    public async Task PassAsync_Send_GetsWhatIsLeftOfTheLeaseLessTheMargin()
    {
        Write(1);
        store.DuringClaim = () => clock.Advance(TimeSpan.FromSeconds(3));

        await CreateRelay().RelayOnceAsync();

        transport.SendWindows.Should().Equal(options.LeaseDuration - TimeSpan.FromSeconds(3) - RelayInstance.SendMargin);
    }

    [Fact]
    public async Task PassAsync_DatabaseRefusesOneOutcome_ItIsDroppedAndEveryOtherMessageKeepsMoving()
    {
        OutboxMessage[] first = [.. Write(1, key: "bad"), .. Write(1, key: "good")];
        OutboxMessage[] later = Write(3, key: "good");
        store.Refuses = o => o.MessageId == first[0].Id;
        RelayPipeline pipeline = CreatePipeline();
        var relay = new MessageRelay(pipeline);
        RelayWorker worker = pipeline.CreateWorker();
        await worker.PassAsync(CancellationToken.None);

        // Recording with the next claim fails: each outcome is tried alone, the refused one is dropped.
        Func<Task> next = () => WhileRetryingAsync(worker.PassAsync(CancellationToken.None));
        await next.Should().ThrowAsync<InvalidOperationException>();
        worker.PendingCount.Should().Be(0);
        store.Get(first[1].Id).Status.Should().Be(OutboxStatus.Complete);
        store.Get(first[0].Id).Status.Should().Be(OutboxStatus.Publish, "its lease lapses and it is claimed again later");

        for (int pass = 0; pass < 10 && later.Any(m => store.Get(m.Id).Status != OutboxStatus.Complete); pass++)
        {
            await relay.RelayOnceAsync();
        }

        later.Should().OnlyContain(m => store.Get(m.Id).Status == OutboxStatus.Complete, "one bad outcome does not wedge the relay");
        store.Refuses = null;
        clock.Advance(options.LeaseDuration + TimeSpan.FromSeconds(1));
        (await relay.RelayOnceAsync()).Should().Be(1);
        store.Get(first[0].Id).Status.Should().Be(OutboxStatus.Complete);
        store.Get(first[0].Id).Attempts.Should().Be(1, "a lease that lapsed counts as an attempt");
    }

    [Fact]
    public async Task PassAsync_DatabaseAway_OutcomesAreKeptUntilItIsBack()
    {
        OutboxMessage[] messages = Write(2, key: null);
        RelayPipeline pipeline = CreatePipeline();
        var relay = new MessageRelay(pipeline);
        RelayWorker worker = pipeline.CreateWorker();
        await worker.PassAsync(CancellationToken.None);
        store.RecordFailuresToInject = 100;

        Func<Task> next = () => WhileRetryingAsync(worker.PassAsync(CancellationToken.None));
        await next.Should().ThrowAsync<TimeoutException>();

        worker.PendingCount.Should().Be(2, "every outcome failed alike: an outage, not a bad outcome");
        store.RecordFailuresToInject = 0;
        await worker.PassAsync(CancellationToken.None);
        messages.Should().OnlyContain(m => store.Get(m.Id).Status == OutboxStatus.Complete);
    }

    [Fact]
    public async Task RelayOnceAsync_SentButNeverConfirmed_EachLapsedLeaseCountsAnAttemptThenDead()
    {
        OutboxMessage message = Write(1)[0];
        transport.Answer = _ => new OutboxSendResult(OutboxSendStatus.Sent);
        MessageRelay relay = CreateRelay();

        for (int lease = 0; lease < options.MaxAttempts + 1; lease++)
        {
            await relay.RelayOnceAsync();
            clock.Advance(options.LeaseDuration + TimeSpan.FromSeconds(1));
        }

        transport.SendWindows.Should().HaveCount(options.MaxAttempts, "sent once per attempt, not once per lease forever");
        store.Get(message.Id).Status.Should().Be(OutboxStatus.Dead);
        store.Get(message.Id).LastError.Should().Contain("never completed");
    }

    [Fact]
    public async Task RelayOnceAsync_ErrorTextTheDatabaseCannotStore_IsStoredCleaned()
    {
        OutboxMessage message = Write(1)[0];
        transport.Answer = _ => OutboxSendResult.Failed("broker said \0 and \uD800" + new string('x', 3000));

        await CreateRelay().RelayOnceAsync();

        string error = store.Get(message.Id).LastError!;
        error.Should().StartWith("broker said  and \uFFFD").And.NotContain("\0");
        error.Length.Should().Be(OutboxMessage.MaxLastErrorLength);
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

    /// <summary>
    /// Moves the fake clock on while <paramref name="task"/> runs, so the record pipeline's retry
    /// delays (Polly waits on the injected <see cref="TimeProvider"/>) elapse without real waiting.
    /// </summary>
    private async Task<T> WhileRetryingAsync<T>(Task<T> task)
    {
        for (int step = 0; step < 1000 && !task.IsCompleted; step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System));
        }

        return await task;
    }

    private MessageRelay CreateRelay() => new(CreatePipeline());

    private RelayPipeline CreatePipeline() => new(
        services.GetRequiredService<IServiceScopeFactory>(),
        transport,
        Options.Create(options),
        clock,
        new OutboxMetrics(null),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<RelayWorker>.Instance);
}
