using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Outbox.AspNetCore.Throughput;
using Outbox.Diagnostics;

namespace Outbox.AspNetCore.Tests.Throughput;

public sealed class ThroughputRecorderTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Snapshot_CountsFromTheHostsOwnMeter_InTheIntervalTheyHappenedIn()
    {
        using ServiceProvider host = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using ServiceProvider otherHost = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var clock = new FakeTimeProvider(Start);
        IMeterFactory factory = host.GetRequiredService<IMeterFactory>();
        using var recorder = new ThroughputRecorder(factory, clock, TimeSpan.FromSeconds(10), count: 6);
        Meter meter = factory.Create(OutboxDiagnostics.MeterName);
        Counter<long> delivered = meter.CreateCounter<long>("outbox.messages.delivered");
        Counter<long> failed = meter.CreateCounter<long>("outbox.messages.failed");
        Counter<long> otherHostsDelivered = otherHost.GetRequiredService<IMeterFactory>().Create(OutboxDiagnostics.MeterName).CreateCounter<long>("outbox.messages.delivered");
        Counter<long> unrelated = factory.Create("Some.Other.Library").CreateCounter<long>("outbox.messages.delivered");

        delivered.Add(3);
        failed.Add(1);
        otherHostsDelivered.Add(100);
        unrelated.Add(1000);
        clock.Advance(TimeSpan.FromSeconds(25));
        delivered.Add(4);

        IReadOnlyList<ThroughputInterval> intervals = recorder.Snapshot();

        intervals.Should().HaveCount(6);
        intervals.Select(i => i.Delivered).Should().Equal(0, 0, 0, 3, 0, 4);
        intervals.Select(i => i.Failed).Should().Equal(0, 0, 0, 1, 0, 0);
        intervals[^1].Start.Should().Be(new DateTimeOffset(2026, 12, 2, 4, 0, 20, TimeSpan.Zero), "the current interval is last");
        (intervals[^1].Start - intervals[0].Start).Should().Be(TimeSpan.FromSeconds(50));
    }

    [Fact]
    public void Snapshot_OlderThanTheHistory_Forgotten()
    {
        var clock = new FakeTimeProvider(Start);
        using var recorder = new ThroughputRecorder(meterScope: null, clock, TimeSpan.FromSeconds(10), count: 3);
        recorder.Add(ThroughputRecorder.Kind.Delivered, 5);

        clock.Advance(TimeSpan.FromSeconds(30)); // the slot comes round again
        recorder.Add(ThroughputRecorder.Kind.Delivered, 1);

        recorder.Snapshot().Select(i => i.Delivered).Should().Equal(0, 0, 1);
    }
}
