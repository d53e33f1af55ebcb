using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Outbox.Core.Tests.Relay;
using Outbox.Diagnostics;

namespace Outbox.Core.Tests.Diagnostics;

/// <summary>The backlog figures the gauges and the health check share: one store read per interval.</summary>
public sealed class OutboxBacklogMonitorTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new();
    private readonly FakeOutboxStore store;
    private readonly ServiceProvider services;
    private readonly OutboxBacklogMonitor monitor;

    public OutboxBacklogMonitorTests()
    {
        store = new FakeOutboxStore(clock);
        services = new ServiceCollection().AddOutboxStoreContracts(store).BuildServiceProvider();
        var options = Options.Create(new OutboxOptions { BacklogRefreshInterval = TimeSpan.FromSeconds(10) });
        monitor = new OutboxBacklogMonitor(services.GetRequiredService<IServiceScopeFactory>(), options, clock, NullLogger<OutboxBacklogMonitor>.Instance);
    }

    public ValueTask DisposeAsync() => services.DisposeAsync();

    [Fact]
    public async Task GetAsync_AskedAgainWithinTheInterval_ReadsTheStoreOnce()
    {
        store.Add(Message());
        BacklogReading first = await monitor.GetAsync();
        store.Add(Message());
        clock.Advance(TimeSpan.FromSeconds(9));

        BacklogReading second = await monitor.GetAsync();

        store.SummaryCalls.Should().Be(1);
        second.Should().BeSameAs(first);
        second.Backlog!.Init.Should().Be(1, "the second message came after the cached read");
    }

    [Fact]
    public async Task GetAsync_AfterTheInterval_ReadsTheStoreAgain()
    {
        store.Add(Message());
        await monitor.GetAsync();
        store.Add(Message());
        clock.Advance(TimeSpan.FromSeconds(10));

        BacklogReading reading = await monitor.GetAsync();

        store.SummaryCalls.Should().Be(2);
        reading.Backlog!.Init.Should().Be(2);
        reading.Backlog.OldestUnfinishedAge.Should().Be(TimeSpan.FromSeconds(10), "the first message was written 10 s ago on the store's clock");
    }

    [Fact]
    public async Task GetAsync_StoreFails_ReturnsTheErrorWithoutThrowingAndKeepsItForTheInterval()
    {
        store.SummaryFailure = new InvalidOperationException("database down");

        BacklogReading failed = await monitor.GetAsync();
        store.SummaryFailure = null;
        BacklogReading again = await monitor.GetAsync();
        clock.Advance(TimeSpan.FromSeconds(10));
        BacklogReading recovered = await monitor.GetAsync();

        failed.Backlog.Should().BeNull();
        failed.Error!.Message.Should().Be("database down");
        again.Should().BeSameAs(failed, "probes during an outage do not hammer the database");
        recovered.Backlog.Should().Be(new OutboxBacklog(0, 0, 0, null));
        store.SummaryCalls.Should().Be(2);
    }

    [Fact]
    public async Task Observe_NothingReadYet_ReturnsNoneAndStartsTheReadThatGetAsyncThenShares()
    {
        store.Add(Message());

        BacklogReading? observed = monitor.Observe();
        BacklogReading read = await monitor.GetAsync();

        observed.Should().BeNull("a gauge never waits for the database");
        read.Backlog!.Init.Should().Be(1);
        monitor.Observe().Should().BeSameAs(read);
        store.SummaryCalls.Should().Be(1);
    }

    [Fact]
    public async Task GetBacklogAsync_TheFakeStoreTheseTestsUse_DerivesCountsFromItsRowsAndTheAgeFromTheDatabaseClock()
    {
        FakeOutboxStore defaults = store;
        OutboxMessage dead = Message();
        store.Add(dead);
        dead.Status = OutboxStatus.Dead;
        clock.Advance(TimeSpan.FromMinutes(3));
        store.Add(Message());
        clock.Advance(TimeSpan.FromMinutes(2));

        OutboxBacklog backlog = await defaults.GetBacklogAsync();

        backlog.Should().Be(new OutboxBacklog(Init: 1, Publish: 0, Dead: 1, OldestUnfinishedAge: TimeSpan.FromMinutes(2)));
    }

    private static OutboxMessage Message() => new() { Id = Guid.CreateVersion7(), Topic = "orders", Payload = [1] };
}
