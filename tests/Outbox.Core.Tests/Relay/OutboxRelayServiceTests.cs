using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Outbox.Diagnostics;
using Outbox.Relay;
using Outbox.Storage;
using Outbox.Transport;

namespace Outbox.Core.Tests.Relay;

/// <summary>The hosted relay loop over the in-memory fake store and fake transport.</summary>
public sealed class OutboxRelayServiceTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new();
    private readonly FakeOutboxStore store = new();
    private readonly FakeOutboxTransport transport = new();
    private readonly OutboxOptions options = new() { RelayName = "test", MaxConcurrentBatches = 1, PollingInterval = TimeSpan.FromMilliseconds(50) };
    private readonly OutboxSignal signal = new();
    private readonly ServiceProvider services;

    public OutboxRelayServiceTests()
    {
        services = new ServiceCollection()
            .AddLogging()
            .AddOutboxStoreContracts(store)
            .AddSingleton<IOutboxTransport>(transport)
            .AddSingleton(Options.Create(options))
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton(new OutboxMetrics(null))
            .AddSingleton<RelayPipeline>()
            .AddSingleton<IMessageRelay, MessageRelay>()
            .BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        signal.Dispose();
        await services.DisposeAsync();
    }

    [Fact]
    public async Task StoppedRightAfterASend_RecordsThatBatchsOutcomesBeforeItStops()
    {
        OutboxMessage[] messages = Write(3, key: null);

        using var service = new OutboxRelayService(services, signal, Options.Create(options), clock, NullLogger<OutboxRelayService>.Instance);
        Task? stopping = null;
        transport.BeforeSend = _ =>
        {
            // The host stops while the batch is on its way; the send itself completes.
            transport.BeforeSend = null;
            stopping = service.StopAsync(CancellationToken.None);
            return Task.CompletedTask;
        };

        await service.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => stopping is not null);
        await stopping!.WaitAsync(TimeSpan.FromSeconds(10));

        transport.Delivered.Should().Equal(messages.Select(m => m.Id));
        messages.Should().OnlyContain(m => store.Get(m.Id).Status == OutboxStatus.Complete, "the loop records its last pass's outcomes before it returns");
    }

    [Fact]
    public async Task Running_RecordsEachPassWithTheNextClaim_OneKeyInOrder()
    {
        OutboxMessage[] messages = Write(4, key: "one-key");

        using var service = new OutboxRelayService(services, signal, Options.Create(options), clock, NullLogger<OutboxRelayService>.Instance);
        await service.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => messages.All(m => store.Get(m.Id).Status == OutboxStatus.Complete));
        await service.StopAsync(CancellationToken.None);

        transport.Delivered.Should().Equal(messages.Select(m => m.Id), "one key: each message is claimed once the previous one is recorded");
        store.RecordCalls.Should().Be(4, "each outcome went with the next claim, the last one with a claim that found nothing");
    }

    [Fact]
    public async Task Idle_PollsAgainWhenThePollingIntervalHasPassedOnItsClock()
    {
        using var service = new OutboxRelayService(services, signal, Options.Create(options), clock, NullLogger<OutboxRelayService>.Instance);
        await service.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => store.ClaimCalls == 1);
        OutboxMessage[] messages = Write(1, key: null); // committed without a signal: only the next poll finds it

        await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System); // real time passes, the relay's clock does not
        store.ClaimCalls.Should().Be(1, "the poll waits for the fake clock's timer, not for real time");

        // Each step moves the clock one polling interval (the relay may not have set its timer before the first one).
        await WaitUntilAsync(() =>
        {
            clock.Advance(options.PollingInterval);
            return store.Get(messages[0].Id).Status == OutboxStatus.Complete;
        });
        await service.StopAsync(CancellationToken.None);

        transport.Delivered.Should().Equal(messages.Select(m => m.Id));
    }

    [Fact]
    public async Task DatabaseDown_RetriesPassesNoFurtherApartThanMaxOutageRetryDelay()
    {
        options.MaxOutageRetryDelay = TimeSpan.FromMilliseconds(200);
        const int Outage = 12; // uncapped, 12 doublings from the 50 ms polling interval would wait over 100 s
        int failedClaims = 0;
        store.DuringClaim = () =>
        {
            if (Interlocked.Increment(ref failedClaims) <= Outage)
            {
                throw new InvalidOperationException("database down");
            }
        };
        OutboxMessage[] messages = Write(1, key: null);
        DateTimeOffset start = clock.GetUtcNow();

        using var service = new OutboxRelayService(services, signal, Options.Create(options), clock, NullLogger<OutboxRelayService>.Instance);
        await service.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() =>
        {
            clock.Advance(options.MaxOutageRetryDelay);
            return store.Get(messages[0].Id).Status == OutboxStatus.Complete;
        });
        await service.StopAsync(CancellationToken.None);

        failedClaims.Should().BeGreaterThan(Outage);
        (clock.GetUtcNow() - start).Should().BeLessThan(TimeSpan.FromSeconds(30), "each retry waited at most MaxOutageRetryDelay of the relay's clock (plus steps the loop had not yet set its timer for)");
    }

    private OutboxMessage[] Write(int count, string? key)
    {
        var factory = new OutboxMessageFactory(Options.Create(options), clock);
        OutboxMessage[] messages = [.. Enumerable.Range(0, count).Select(i => factory.CreateRaw("orders", key, [(byte)i]))];
        foreach (OutboxMessage message in messages)
        {
            store.Add(message);
        }

        return messages;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        condition().Should().BeTrue("the relay should get there within 10 s");
    }
}
