using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Outbox.Diagnostics;
using Outbox.Kafka.Testing;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.PostgreSql;
using Outbox.TestSupport.Servers;

namespace Outbox.EndToEnd.Tests.Operations;

/// <summary>
/// The spans and metrics an operator gets from <c>AddOutboxInstrumentation()</c>, exported by the
/// OpenTelemetry SDK to memory while the hosted relay sends over the Kafka protocol (the embedded
/// mock cluster). On PostgreSQL and SQLite (the gauges read each store's backlog query).
/// </summary>
public abstract class OutboxTelemetryTests(DatabaseKind kind, IDatabaseServer? server) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly ActivitySource Writer = new("Outbox.EndToEnd.Tests.Writer");
    private readonly string topic = "orders-" + Guid.NewGuid().ToString("N")[..8];

    // The SDK listens to every host's meter by name: each test's relay has its own name, and the points are picked by it.
    private readonly string relayName = "telemetry-" + Guid.NewGuid().ToString("N")[..8];
    private TestDatabase database = null!;
    private KafkaMockCluster kafka = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync(kind, server); // skips the test when the server is missing
        kafka = KafkaMockCluster.Start(brokers: 1);
        kafka.CreateTopic(topic, partitions: 3);
    }

    public async Task DisposeAsync()
    {
        kafka?.Dispose();
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task MessageWrittenInATrace_RelaysSendSpanFollowsTheMessagingConventionsAndLinksToTheWriter()
    {
        var spans = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(Writer.Name).AddOutboxInstrumentation().AddInMemoryExporter(spans).Build()!;
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka, o => o.RelayName = relayName);
        ActivityContext writer = default;

        OutboxStagedMessage written = await host.InScopeAsync(async (db, outbox) =>
        {
            using Activity request = Writer.StartActivity("POST /orders")!;
            writer = request.Context;
            OutboxStagedMessage message = outbox.Add(topic, "order-1", new OrderPlaced(Guid.NewGuid(), "ada", 42));
            await db.SaveChangesAsync();
            return message;
        });
        await host.WaitForRowsAsync(r => r.Count == 1 && r[0].Status == OutboxStatus.Complete, Timeout);
        tracing.ForceFlush();

        Activity send, pass;
        lock (spans)
        {
            send = spans.Single(a => a.Source.Name == OutboxDiagnostics.KafkaActivitySourceName && (string?)a.GetTagItem("messaging.message.id") == written.Id.ToString());
            pass = spans.Single(a => a.Source.Name == OutboxDiagnostics.ActivitySourceName && a.SpanId == send.ParentSpanId);
        }

        send.DisplayName.Should().Be("send " + topic);
        send.Kind.Should().Be(ActivityKind.Producer);
        send.GetTagItem("messaging.system").Should().Be("kafka");
        send.GetTagItem("messaging.operation.name").Should().Be("send");
        send.GetTagItem("messaging.destination.name").Should().Be(topic);
        send.GetTagItem("outbox.relay.name").Should().Be(relayName);
        send.GetTagItem("outbox.outcome").Should().Be("delivered");
        send.Links.Should().ContainSingle().Which.Context.Should().Match<ActivityContext>(c => c.TraceId == writer.TraceId && c.SpanId == writer.SpanId, "the send is linked to the request that wrote the message");
        send.TraceId.Should().NotBe(writer.TraceId, "the relay runs on its own, after the request's trace ended");
        pass.TraceId.Should().Be(send.TraceId);
    }

    [SkippableFact]
    public async Task RelaySendsThenTheBacklogIsRead_MetricsInSecondsWithBucketAdviceTaggedAndGaugesByStatus()
    {
        var exported = new List<MetricSnapshot>();
        using MeterProvider meters = Sdk.CreateMeterProviderBuilder().AddOutboxInstrumentation().AddInMemoryExporter(exported).Build()!;
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka, o =>
        {
            o.RelayName = relayName;
            o.BacklogRefreshInterval = TimeSpan.FromSeconds(1);
        });
        List<OutboxStagedMessage> written = await host.InScopeAsync(async (db, outbox) =>
        {
            List<OutboxStagedMessage> messages = [.. Enumerable.Range(0, 3).Select(i => outbox.Add(topic, "order-" + i, new OrderPlaced(Guid.NewGuid(), "ada", i)))];
            await db.SaveChangesAsync();
            return messages;
        });
        await host.WaitForRowsAsync(r => r.Count == 3 && r.All(m => m.Status == OutboxStatus.Complete), Timeout);
        await using (TestDbContext context = database.CreateContext())
        {
            // One of them DEAD, as if an operator's requeue had not happened yet: the gauge must see it.
            await context.Set<OutboxMessage>().Where(m => m.Id == written[0].Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Dead));
        }

        // A scrape between the sends and the update may have cached a reading with the rows in PUBLISH: read until one after the update is exported (1 s refresh).
        OutboxBacklogMonitor monitor = host.Services.GetRequiredService<OutboxBacklogMonitor>();
        var deadline = Stopwatch.StartNew();
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
            await monitor.GetAsync();
            meters.ForceFlush();
        }
        while (!DeadCounted() && deadline.Elapsed < Timeout);

        bool DeadCounted() => Last(exported, "outbox.messages.count", Ours) is { } counts && Statuses(counts).GetValueOrDefault("dead") == 1;

        MetricSnapshot duration = Last(exported, "messaging.client.operation.duration", p => Tag(p, "messaging.destination.name") == topic)!;
        duration.Unit.Should().Be("s");
        duration.MetricType.Should().Be(MetricType.Histogram);
        MetricPoint send = duration.MetricPoints.Single(p => Tag(p, "messaging.destination.name") == topic);
        Tag(send, "messaging.system").Should().Be("kafka");
        Tag(send, "outbox.relay.name").Should().Be(relayName);
        Tag(send, "outbox.outcome").Should().Be("delivered");
        Bounds(send).Should().StartWith([0.005, 0.01, 0.025]).And.Contain(10);

        Func<MetricPoint, bool> sentHere = p => Tag(p, "messaging.destination.name") == topic && Tag(p, "outbox.outcome") == "delivered";
        Sum(Last(exported, "messaging.client.sent.messages", sentHere), sentHere).Should().Be(3);
        Func<MetricPoint, bool> deliveredHere = p => Tag(p, "messaging.destination.name") == topic && Ours(p);
        Sum(Last(exported, "outbox.messages.delivered", deliveredHere), deliveredHere).Should().Be(3);
        Sum(Last(exported, "outbox.messages.claimed", Ours), Ours).Should().BeGreaterThanOrEqualTo(3);

        MetricSnapshot pass = Last(exported, "outbox.relay.batch.duration", Ours)!;
        pass.Unit.Should().Be("s");
        Bounds(pass.MetricPoints.Single(Ours)).Should().StartWith([0.005, 0.01]);

        MetricSnapshot count = Last(exported, "outbox.messages.count", Ours)!;
        count.MetricType.Should().Be(MetricType.LongGauge);
        count.Unit.Should().Be("{message}");
        Statuses(count).Should().BeEquivalentTo(new Dictionary<string, long> { ["init"] = 0, ["publish"] = 0, ["dead"] = 1 });
        MetricSnapshot age = Last(exported, "outbox.messages.oldest_unfinished.age", Ours)!;
        age.Unit.Should().Be("s");
        age.MetricPoints.Single(Ours).GetGaugeLastValueDouble().Should().Be(0, "nothing is unfinished");
    }

    /// <summary>This test's points: its relay's name tags them.</summary>
    private bool Ours(MetricPoint point) => Tag(point, "outbox.relay.name") == relayName;

    private Dictionary<string, long> Statuses(MetricSnapshot count)
    {
        var statuses = new Dictionary<string, long>();
        foreach (MetricPoint point in count.MetricPoints)
        {
            if (Ours(point))
            {
                statuses[Tag(point, "outbox.message.status")!] = point.GetGaugeLastValueLong();
            }
        }

        return statuses;
    }

    /// <summary>
    /// The last exported snapshot of <paramref name="name"/> that holds a point <paramref name="where"/>
    /// picks, or <see langword="null"/>: each host has its own meter of the same name, and each may
    /// be exported as a stream of its own, so the last snapshot of a name may be another test's.
    /// </summary>
    private static MetricSnapshot? Last(List<MetricSnapshot> exported, string name, Func<MetricPoint, bool> where)
    {
        lock (exported)
        {
            return exported.LastOrDefault(m => m.Name == name && m.MetricPoints.Any(where));
        }
    }

    private static long Sum(MetricSnapshot? metric, Func<MetricPoint, bool> where)
    {
        if (metric is null)
        {
            return 0;
        }

        long sum = 0;
        foreach (MetricPoint point in metric.MetricPoints)
        {
            if (where(point))
            {
                sum += point.GetSumLong();
            }
        }

        return sum;
    }

    private static string? Tag(MetricPoint point, string name)
    {
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            if (tag.Key == name)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }

    private static List<double> Bounds(MetricPoint point)
    {
        var bounds = new List<double>();
        foreach (HistogramBucket bucket in point.GetHistogramBuckets())
        {
            if (!double.IsPositiveInfinity(bucket.ExplicitBound))
            {
                bounds.Add(bucket.ExplicitBound);
            }
        }

        return bounds;
    }
}

[Collection(TelemetryCollection.Name)]
public sealed class PostgreSqlOutboxTelemetryTests(PostgreSqlServer postgres) : OutboxTelemetryTests(DatabaseKind.PostgreSql, postgres);

[Collection(TelemetryCollection.Name)]
public sealed class SqliteOutboxTelemetryTests() : OutboxTelemetryTests(DatabaseKind.Sqlite, null);
