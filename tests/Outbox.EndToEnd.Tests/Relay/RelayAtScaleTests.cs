using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Kafka.Testing;
using Outbox.Messages;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.Kafka;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.EndToEnd.Tests.Relay;

/// <summary>Many relay instances on one PostgreSQL table, per-key order, leases, dead letters and shutdown, over the Kafka protocol.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class RelayAtScaleTests(PostgreSqlServer postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly string topic = "scale-" + Guid.NewGuid().ToString("N")[..8];
    private TestDatabase database = null!;
    private KafkaMockCluster kafka = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync(DatabaseKind.PostgreSql, postgres);
        kafka = KafkaMockCluster.Start(brokers: 3);
        kafka.CreateTopic(topic, partitions: 12, replicationFactor: 3);
    }

    public async Task DisposeAsync()
    {
        kafka.Dispose();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task FourRelays_100000MessagesOver10000Keys_AllDeliveredNoDuplicatesPerKeyCommitOrder()
    {
        const int Messages = 100_000, Keys = 10_000, Writers = 4, PerTransaction = 100;
        var relays = new List<OutboxTestHost>();
        for (int i = 0; i < 4; i++)
        {
            relays.Add(await OutboxTestHost.StartAsync(database, kafka, o => o.RelayName = "relay-" + i));
        }

        try
        {
            // Writer w owns the keys k with k % Writers == w and commits sequentially, so each
            // key's commit order is the order its writer added its messages.
            var expected = new ConcurrentDictionary<string, List<Guid>>();
            DateTime started = DateTime.UtcNow;
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                var random = new Random(w);
                for (int written = 0; written < Messages / Writers; written += PerTransaction)
                {
                    await relays[w].InScopeAsync(async (db, outbox) =>
                    {
                        for (int i = 0; i < PerTransaction; i++)
                        {
                            string key = "key-" + ((random.Next(Keys / Writers) * Writers) + w);
                            OutboxStagedMessage m = outbox.AddRaw(topic, key, new byte[100]);
                            expected.GetOrAdd(key, _ => []).Add(m.Id);
                        }

                        await db.SaveChangesAsync();
                        return 0;
                    });
                }
            })));
            output.WriteLine($"wrote {Messages} in {(DateTime.UtcNow - started).TotalSeconds:F1} s");

            OutboxSummary summary = await relays[0].WaitForSummaryAsync(s => s.Complete == Messages, Timeout);
            output.WriteLine($"all COMPLETE after {(DateTime.UtcNow - started).TotalSeconds:F1} s");
            summary.Should().Be(new OutboxSummary(0, 0, Messages, 0, null));

            IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, Messages, Timeout);
            KafkaTopicReader.GetEndOffsetSum(kafka.BootstrapServers, topic, TimeSpan.FromSeconds(10)).Should().Be(Messages, "nothing was sent twice");
            records.Should().HaveCount(Messages);
            records.Select(r => r.Headers[OutboxHeaderNames.MessageId]).Distinct().Should().HaveCount(Messages, "every message arrived exactly once");

            Dictionary<string, List<Guid>> actual = records
                .GroupBy(r => r.Key!)
                .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Offset).Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId])).ToList());
            // Sorted Equal, not BeEquivalentTo: FluentAssertions' unordered equivalency is quadratic (minutes for 10,000 keys).
            actual.Keys.Order(StringComparer.Ordinal).Should().Equal(expected.Keys.Order(StringComparer.Ordinal));
            foreach ((string key, List<Guid> ids) in expected)
            {
                actual[key].Should().Equal(ids, $"key {key} must arrive in commit order");
            }
        }
        finally
        {
            foreach (OutboxTestHost relay in relays)
            {
                await relay.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task LateCommittingTransaction_IsNeitherSkippedNorOvertakenWithinItsKey()
    {
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka);
        await using AsyncServiceScope early = host.Services.CreateAsyncScope();
        var earlyDb = early.ServiceProvider.GetRequiredService<TestDbContext>();
        var earlyOutbox = early.ServiceProvider.GetRequiredService<IOutbox>();

        // T1 begins first and stages A (the lower, earlier id) but does not commit yet.
        await using var t1 = await earlyDb.Database.BeginTransactionAsync();
        OutboxStagedMessage a = earlyOutbox.AddRaw(topic, "k", [1]);
        await earlyDb.SaveChangesAsync();

        // T2 stages B later (higher id) and commits first; the relay sends it.
        OutboxStagedMessage b = await host.InScopeAsync(async (db, outbox) =>
        {
            OutboxStagedMessage m = outbox.AddRaw(topic, "k", [2]);
            await db.SaveChangesAsync();
            return m;
        });
        (await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 1, TimeSpan.FromSeconds(20))).Should().ContainSingle();
        a.Id.CompareTo(b.Id).Should().BeNegative();

        // T1 commits last; then T3 commits C after it.
        await t1.CommitAsync();
        await host.WaitForRowsAsync(r => r.Single(m => m.Id == a.Id).Status == OutboxStatus.Complete, TimeSpan.FromSeconds(20));
        OutboxStagedMessage c = await host.InScopeAsync(async (db, outbox) =>
        {
            OutboxStagedMessage m = outbox.AddRaw(topic, "k", [3]);
            await db.SaveChangesAsync();
            return m;
        });

        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 3, TimeSpan.FromSeconds(20));
        records.OrderBy(r => r.Offset).Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId]))
            .Should().Equal([b.Id, a.Id, c.Id], "commit order: B, then A (not skipped), then C (not ahead of A)");
    }

    [Fact]
    public async Task LeaseExpiredWhileRelayDead_AnotherRelayDeliversTheClaimedMessages()
    {
        // A relay that "died" after claiming: rows in PUBLISH under its lease, nothing sent.
        List<Guid> written = await WriteAsync(5);
        await using (TestDbContext db = database.CreateContext())
        {
            await db.Set<OutboxMessage>().ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, OutboxStatus.Publish)
                .SetProperty(m => m.LeaseOwner, "dead-relay")
                .SetProperty(m => m.LeaseExpiresAt, DateTimeOffset.UtcNow.AddSeconds(2)));
        }

        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka);

        (await host.ReadRowsAsync()).Should().OnlyContain(m => m.Status == OutboxStatus.Publish, "the lease has not expired yet");
        List<OutboxMessage> rows = await host.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Complete), TimeSpan.FromSeconds(20));
        rows.Should().OnlyContain(m => m.Status == OutboxStatus.Complete);
        (await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 5, TimeSpan.FromSeconds(20)))
            .Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId])).Should().BeEquivalentTo(written);
    }

    [Fact]
    public async Task MaxAttemptsExhausted_GoesDead_RequeueDeliversIt()
    {
        await using OutboxTestHost host = await OutboxTestHost.StartAsync(
            database,
            kafka,
            o =>
            {
                o.MaxAttempts = 2;
                o.RetryDelay = TimeSpan.FromMilliseconds(100);
                o.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
            },
            k => k.SendTimeout = TimeSpan.FromMilliseconds(500));
        kafka.SetAllBrokersDown();
        List<Guid> written = await WriteAsync(3);

        List<OutboxMessage> dead = await host.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Dead), TimeSpan.FromSeconds(30));
        dead.Should().OnlyContain(m => m.Status == OutboxStatus.Dead && m.Attempts == 2 && m.LastError != null);
        kafka.SetAllBrokersUp();

        int requeued = await host.InScopeAsync(async (db, _) =>
        {
            await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
            var admin = scope.ServiceProvider.GetRequiredService<IOutboxAdmin>();
            (await admin.ListDeadAsync()).Select(m => m.Id).Should().Equal(written);
            return await admin.RequeueAsync(written);
        });

        requeued.Should().Be(3);
        (await host.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Complete), TimeSpan.FromSeconds(30)))
            .Should().OnlyContain(m => m.Status == OutboxStatus.Complete);
        (await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, topic, 3, TimeSpan.FromSeconds(20)))
            .Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId])).Should().BeEquivalentTo(written);
    }

    [Fact]
    public async Task HostStopsWhileSendsAreInFlight_ClaimsAreReleasedNotLeftInPublish()
    {
        // Sends that stay in flight for a minute need a lease that outlasts them (checked at start).
        OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka, o => o.LeaseDuration = TimeSpan.FromMinutes(2), k => k.SendTimeout = TimeSpan.FromSeconds(60));
        kafka.SetAllBrokersDown();
        await WriteAsync(4);
        await host.WaitForRowsAsync(r => r.Count(m => m.Status == OutboxStatus.Publish) == 4, TimeSpan.FromSeconds(20));

        await host.DisposeAsync();

        List<OutboxMessage> rows = await host.ReadRowsAsync();
        rows.Should().OnlyContain(m => m.Status == OutboxStatus.Init && m.Attempts == 0 && m.LeaseOwner == null,
            "a clean stop gives the claims back instead of leaving them for the lease to expire");
    }

    private async Task<List<Guid>> WriteAsync(int count)
    {
        await using TestDbContext db = database.CreateContext();
        var now = DateTimeOffset.UtcNow;
        var messages = Enumerable.Range(0, count).Select(i => new OutboxMessage
        {
            Id = OutboxMessageId.NewId(now),
            Topic = topic,
            Key = "k" + i,
            Payload = [(byte)i],
            Status = OutboxStatus.Init,
            CreatedAt = now,
            NextAttemptAt = now,
        }).ToList();
        db.AddRange(messages);
        await db.SaveChangesAsync();
        return messages.Select(m => m.Id).ToList();
    }
}
