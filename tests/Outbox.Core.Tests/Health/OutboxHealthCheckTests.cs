using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Outbox.Core.Tests.Relay;
using Outbox.Health;
using Outbox.Relay;
using Outbox.Transport;

namespace Outbox.Core.Tests.Health;

/// <summary>The health check as registered by <c>AddOutboxHealthCheck</c>, over the fake store, a fake clock and the relay's own health state.</summary>
public sealed class OutboxHealthCheckTests : IAsyncDisposable
{
    private readonly FakeTimeProvider clock = new();
    private readonly FakeOutboxStore store;
    private readonly ServiceProvider services;
    private readonly RelayHealth relay;

    public OutboxHealthCheckTests()
        : this(enableRelay: true)
    {
    }

    private OutboxHealthCheckTests(bool enableRelay)
    {
        store = new FakeOutboxStore(clock);
        var collection = new ServiceCollection().AddLogging();
        collection.AddSingleton<TimeProvider>(clock);
        collection.AddOutbox(o => o.EnableRelay = enableRelay);
        collection.AddOutboxStoreContracts(store);
        collection.AddSingleton<IOutboxTransport>(new FakeOutboxTransport());
        collection.AddHealthChecks().AddOutboxHealthCheck(h =>
        {
            h.MaxOldestUnfinishedAge = TimeSpan.FromMinutes(5);
            h.MaxRelayFailureDuration = TimeSpan.FromMinutes(1);
        });
        services = collection.BuildServiceProvider();
        relay = services.GetRequiredService<RelayHealth>();
    }

    public ValueTask DisposeAsync() => services.DisposeAsync();

    [Fact]
    public async Task Check_RelayRunningAndNothingWaiting_HealthyWithTheFiguresAndTheProbeTags()
    {
        relay.Started();

        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Healthy);
        entry.Data.Should().Contain(new KeyValuePair<string, object>("relay", "running"))
            .And.Contain(new KeyValuePair<string, object>("init", 0L))
            .And.Contain(new KeyValuePair<string, object>("dead", 0L))
            .And.Contain(new KeyValuePair<string, object>("oldest_unfinished_age_seconds", 0.0));
        entry.Tags.Should().BeEquivalentTo("outbox", "live", "ready");
    }

    [Fact]
    public async Task Check_OldestUnfinishedOlderThanTheThreshold_DegradedWithItsAge()
    {
        relay.Started();
        store.Add(Message());
        store.Add(Message());
        clock.Advance(TimeSpan.FromMinutes(6));

        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Description.Should().Contain("oldest unfinished message was written 00:06:00 ago");
        entry.Data["init"].Should().Be(2L);
        entry.Data["oldest_unfinished_age_seconds"].Should().Be(360.0);
    }

    [Fact]
    public async Task Check_BacklogYoungerThanTheThreshold_Healthy()
    {
        relay.Started();
        store.Add(Message());
        clock.Advance(TimeSpan.FromMinutes(4));

        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Healthy);
        entry.Data["init"].Should().Be(1L);
    }

    [Fact]
    public async Task Check_DeadMessage_DegradedWithTheCount()
    {
        relay.Started();
        OutboxMessage dead = Message();
        store.Add(dead);
        dead.Status = OutboxStatus.Dead;

        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Description.Should().Contain("1 DEAD messages");
        entry.Data["dead"].Should().Be(1L);
    }

    [Fact]
    public async Task Check_RelayNotRunning_Unhealthy()
    {
        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().Contain("relay is not running");
        entry.Data["relay"].Should().Be("stopped");
    }

    [Fact]
    public async Task Check_RelayStoppedAfterRunning_Unhealthy()
    {
        relay.Started();
        relay.Stopped();

        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Unhealthy);
    }

    [Fact]
    public async Task Check_RelayFailingLongerThanTheThreshold_UnhealthyWithTheError()
    {
        relay.Started();
        relay.PassFailed(new InvalidOperationException("database down"));
        clock.Advance(TimeSpan.FromSeconds(61));
        relay.PassFailed(new InvalidOperationException("database still down"));

        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().Contain("failed for 00:01:01").And.Contain("database still down");
        entry.Data["relay_failing_for_seconds"].Should().Be(61.0);
    }

    [Fact]
    public async Task Check_RelayFailingShorterThanTheThresholdOrRecovered_Healthy()
    {
        relay.Started();
        relay.PassFailed(new InvalidOperationException("database down"));
        clock.Advance(TimeSpan.FromSeconds(30));
        HealthReportEntry failingBriefly = await CheckAsync();
        clock.Advance(TimeSpan.FromSeconds(40));
        relay.PassSucceeded();

        HealthReportEntry recovered = await CheckAsync();

        failingBriefly.Status.Should().Be(HealthStatus.Healthy);
        failingBriefly.Data.Should().ContainKey("relay_error");
        recovered.Status.Should().Be(HealthStatus.Healthy);
        recovered.Data.Should().NotContainKey("relay_error");
    }

    [Fact]
    public async Task Check_BacklogCannotBeRead_DegradedWithTheException()
    {
        relay.Started();
        store.SummaryFailure = new InvalidOperationException("database down");

        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Exception!.Message.Should().Be("database down");
        entry.Data["backlog_error"].Should().Be("database down");
    }

    [Fact]
    public async Task Check_ProbedAgainWithinTheRefreshInterval_ReadsTheStoreOnce()
    {
        relay.Started();

        await CheckAsync();
        await CheckAsync();
        await CheckAsync();

        store.SummaryCalls.Should().Be(1, "probes share the cached backlog figures (10 s by default)");
    }

    [Fact]
    public async Task Check_ProcessThatDoesNotRelay_HealthyWithTheRelayDisabled()
    {
        await using var writerOnly = new OutboxHealthCheckTests(enableRelay: false);

        HealthReportEntry entry = await writerOnly.CheckAsync();

        entry.Status.Should().Be(HealthStatus.Healthy);
        entry.Data["relay"].Should().Be("disabled");
    }

    [Theory]
    [InlineData("MaxRelayFailureDuration")]
    [InlineData("MaxOldestUnfinishedAge")]
    [InlineData("MaxDeadMessages")]
    public async Task HostStart_ThresholdOutOfRange_FailsNamingTheOption(string option)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddOutbox();
        builder.Services.AddOutboxStoreContracts(new FakeOutboxStore());
        builder.Services.AddSingleton<IOutboxTransport>(new FakeOutboxTransport());
        builder.Services.AddHealthChecks().AddOutboxHealthCheck(h =>
        {
            switch (option)
            {
                case "MaxRelayFailureDuration": h.MaxRelayFailureDuration = TimeSpan.Zero; break;
                case "MaxOldestUnfinishedAge": h.MaxOldestUnfinishedAge = TimeSpan.FromDays(365); break;
                case "MaxDeadMessages": h.MaxDeadMessages = -1; break;
            }
        });
        using IHost host = builder.Build();

        Func<Task> start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage($"*OutboxHealthCheckOptions ('outbox').{option}*");
    }

    [Fact]
    public async Task HostStart_BacklogRefreshIntervalOutOfRange_FailsNamingTheOption()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddOutbox(o => o.BacklogRefreshInterval = TimeSpan.FromMilliseconds(100));
        builder.Services.AddOutboxStoreContracts(new FakeOutboxStore());
        builder.Services.AddSingleton<IOutboxTransport>(new FakeOutboxTransport());
        using IHost host = builder.Build();

        Func<Task> start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*OutboxOptions.BacklogRefreshInterval*1 second to 1 hour*");
    }

    private async Task<HealthReportEntry> CheckAsync()
    {
        HealthReport report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["outbox"];
    }

    private static OutboxMessage Message() => new() { Id = Guid.CreateVersion7(), Topic = "orders", Payload = [1] };
}
