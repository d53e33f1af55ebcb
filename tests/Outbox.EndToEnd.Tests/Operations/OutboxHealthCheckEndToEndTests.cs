using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Outbox.Kafka.Testing;
using Outbox.Relay;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.PostgreSql;
using Outbox.TestSupport.Servers;

namespace Outbox.EndToEnd.Tests.Operations;

/// <summary>
/// <c>AddOutboxHealthCheck()</c> in a real host with the EF Core store and the hosted relay over the
/// embedded Kafka: healthy, a backlog and DEAD messages degrade it, a stopped relay fails it.
/// Every test first sees one message reach COMPLETE, so the relay's loops are known to run.
/// </summary>
public abstract class OutboxHealthCheckEndToEndTests(DatabaseKind kind, IDatabaseServer? server) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string topic = "orders-" + Guid.NewGuid().ToString("N")[..8];
    private TestDatabase database = null!;
    private KafkaMockCluster kafka = null!;
    private OutboxTestHost host = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync(kind, server); // skips the test when the server is missing
        kafka = KafkaMockCluster.Start(brokers: 1);
        kafka.CreateTopic(topic, partitions: 1);
        host = await OutboxTestHost.StartAsync(
            database,
            kafka,
            configureKafka: k => k.SendTimeout = TimeSpan.FromSeconds(2),
            configureServices: services => services.AddHealthChecks().AddOutboxHealthCheck(h => h.MaxOldestUnfinishedAge = TimeSpan.FromMinutes(10)));
        await WriteAsync();
        await host.WaitForRowsAsync(r => r.Count == 1 && r[0].Status == OutboxStatus.Complete, Timeout);
    }

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        kafka?.Dispose();
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Check_RelayRunningNothingWaiting_Healthy()
    {
        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Healthy, entry.Description);
        entry.Data["relay"].Should().Be("running");
        entry.Data["init"].Should().Be(0L);
        entry.Data["dead"].Should().Be(0L);
    }

    [SkippableFact]
    public async Task Check_BrokerDownAndTheOldestMessageAnHourOld_DegradedWithTheBacklog()
    {
        kafka.SetAllBrokersDown();
        OutboxStagedMessage waiting = await WriteAsync();
        await using (TestDbContext context = database.CreateContext())
        {
            OutboxMessage row = await context.Set<OutboxMessage>().SingleAsync(m => m.Id == waiting.Id);
            row.CreatedAt -= TimeSpan.FromHours(1);
            await context.SaveChangesAsync();
        }

        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Degraded, entry.Description);
        entry.Description.Should().Contain("oldest unfinished message");
        ((long)entry.Data["init"] + (long)entry.Data["publish"]).Should().Be(1);
        ((double)entry.Data["oldest_unfinished_age_seconds"]).Should().BeGreaterThanOrEqualTo(3600);
    }

    [SkippableFact]
    public async Task Check_ADeadMessage_DegradedWithTheDeadCount()
    {
        await using (TestDbContext context = database.CreateContext())
        {
            await context.Set<OutboxMessage>().ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Dead));
        }

        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Degraded, entry.Description);
        entry.Description.Should().Contain("1 DEAD messages");
        entry.Data["dead"].Should().Be(1L);
    }

    [SkippableFact]
    public async Task Check_RelayServiceStopped_Unhealthy()
    {
        OutboxRelayService relay = host.Services.GetServices<IHostedService>().OfType<OutboxRelayService>().Single();
        await relay.StopAsync(CancellationToken.None);

        HealthReportEntry entry = await CheckAsync();

        entry.Status.Should().Be(HealthStatus.Unhealthy, entry.Description);
        entry.Data["relay"].Should().Be("stopped");
    }

    private Task<OutboxStagedMessage> WriteAsync() =>
        host.InScopeAsync(async (db, outbox) =>
        {
            OutboxStagedMessage message = outbox.Add(topic, "k", new OrderPlaced(Guid.NewGuid(), "ada", 1));
            await db.SaveChangesAsync();
            return message;
        });

    private async Task<HealthReportEntry> CheckAsync()
    {
        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["outbox"];
    }
}

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlOutboxHealthCheckEndToEndTests(PostgreSqlServer postgres) : OutboxHealthCheckEndToEndTests(DatabaseKind.PostgreSql, postgres);

public sealed class SqliteOutboxHealthCheckEndToEndTests() : OutboxHealthCheckEndToEndTests(DatabaseKind.Sqlite, null);
