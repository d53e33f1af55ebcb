using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Kafka.Inbox;
using Outbox.Kafka.Testing;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.PostgreSql;
using Outbox.TestSupport.Servers;
using Outbox.TestSupport.SqlServer;

namespace Outbox.EndToEnd.Tests.Inbox;

/// <summary>
/// The hosted inbox consumer over the Kafka protocol (the embedded mock cluster), on each
/// database: the outbox sends, the inbox consumer of another group handles each message once.
/// </summary>
public abstract class KafkaInboxConsumerTests(DatabaseKind kind, IDatabaseServer? server) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string topic = "inbox-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string group = "billing-" + Guid.NewGuid().ToString("N")[..8];
    private TestDatabase database = null!;
    private KafkaMockCluster kafka = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync(kind, server); // skips the test when the server is missing
        kafka = KafkaMockCluster.Start(brokers: 1);
        kafka.CreateTopic(topic, partitions: 3, replicationFactor: 1);
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
    public async Task OutboxMessagesAndARedelivery_EachHandledOnce_ARecordWithoutIdHandledAndCounted()
    {
        using var outcomes = new OutcomeListener(group);
        await using OutboxTestHost host = await StartAsync<RecordingHandler>();
        List<Guid> sent = await host.InScopeAsync(async (db, outbox) =>
        {
            var ids = Enumerable.Range(0, 5).Select(i => outbox.Add(topic, "k" + (i % 2), new OrderPlaced(Guid.NewGuid(), "c", i)).Id).ToList();
            await db.SaveChangesAsync();
            return ids;
        });
        await host.WaitForRowsAsync(rows => rows.Count == 5 && rows.All(r => r.Status == OutboxStatus.Complete), Timeout);

        Produce(sent[0].ToString()); // the same message again, as a relay that crashed after the ack would send it
        Produce(null);               // a record from a producer that is not an outbox
        Produce("not-a-guid");

        await outcomes.WaitForAsync(total: 8, Timeout);
        outcomes.Count("handled").Should().Be(5);
        outcomes.Count("duplicate").Should().Be(1);
        outcomes.Count("unidentified").Should().Be(2, "a record without a valid id is handled, without de-duplication, and counted");
        Dictionary<string, int> handled = await HandledAsync();
        handled.Where(h => h.Key != RecordingHandler.Unidentified).Should().OnlyContain(h => h.Value == 1);
        handled.Keys.Should().Contain(sent.Select(id => id.ToString()));
        handled[RecordingHandler.Unidentified].Should().Be(2);
    }

    [SkippableFact]
    public async Task Stopped_ThenStartedAgain_ReadsOnlyWhatCameAfterItsCommittedOffsets()
    {
        await using (OutboxTestHost first = await StartAsync<RecordingHandler>())
        {
            Produce(Guid.CreateVersion7().ToString());
            Produce(Guid.CreateVersion7().ToString());
            await WaitForHandledAsync(2);
        } // a graceful stop: the group is left, offsets committed

        using var outcomes = new OutcomeListener(group);
        await using OutboxTestHost second = await StartAsync<RecordingHandler>();
        string late = Guid.CreateVersion7().ToString();
        Produce(late);

        await outcomes.WaitForAsync(total: 1, Timeout);
        await Task.Delay(500);
        outcomes.Count("duplicate").Should().Be(0, "the first consumer committed the offsets of what it handled: nothing is read twice");
        (await HandledAsync()).Should().HaveCount(3).And.ContainKey(late);
    }

    [SkippableFact]
    public async Task HandlerFails_RolledBackAndRetried_HandledOnceWhenItSucceeds()
    {
        using var outcomes = new OutcomeListener(group);
        await using OutboxTestHost host = await StartAsync<FailingTwiceHandler>();
        string id = Guid.CreateVersion7().ToString();

        Produce(id);

        await outcomes.WaitForAsync(total: 1, Timeout);
        FailingTwiceHandler.CallsOn(topic).Should().Be(3, "two failures, each rolled back, then the retry that succeeds");
        (await HandledAsync()).Should().Equal(new Dictionary<string, int> { [id] = 1 });
    }

    private Task<OutboxTestHost> StartAsync<THandler>()
        where THandler : class, IKafkaInboxHandler =>
        OutboxTestHost.StartAsync(
            database,
            kafka,
            // The mock cluster finishes a rebalance after a member left only when the session timeout passes.
            configureKafka: k => k.Consumer.SessionTimeoutMs = 6000,
            configureServices: services => services.AddOutbox().AddKafkaInboxConsumer<THandler>(group, topic));

    private void Produce(string? messageId)
    {
        using IProducer<string, byte[]> producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var headers = new Headers();
        if (messageId is not null)
        {
            headers.Add(OutboxHeaderNames.MessageId, Encoding.UTF8.GetBytes(messageId));
        }

        producer.Produce(topic, new Message<string, byte[]> { Key = "k", Value = [1], Headers = headers });
        producer.Flush(Timeout);
    }

    private async Task WaitForHandledAsync(int count)
    {
        for (DateTime deadline = DateTime.UtcNow + Timeout; (await HandledAsync()).Values.Sum() < count; await Task.Delay(100))
        {
            DateTime.UtcNow.Should().BeBefore(deadline, $"{count} records should have been handled");
        }
    }

    /// <summary>Handlings per message id (the handler's order rows).</summary>
    private async Task<Dictionary<string, int>> HandledAsync()
    {
        await using TestDbContext context = database.CreateContext();
        return await context.Orders.GroupBy(o => o.Customer).ToDictionaryAsync(g => g.Key, g => g.Count());
    }

    /// <summary>Saves an order named by the record's message id: a record handled twice shows as two rows.</summary>
    internal sealed class RecordingHandler(TestDbContext db) : IKafkaInboxHandler
    {
        public const string Unidentified = "unidentified";

        public Task HandleAsync(ConsumeResult<string?, byte[]> record, CancellationToken cancellationToken)
        {
            string id = record.Message.Headers.TryGetLastBytes(OutboxHeaderNames.MessageId, out byte[] bytes) && Guid.TryParse(Encoding.UTF8.GetString(bytes), out Guid parsed)
                ? parsed.ToString()
                : Unidentified;
            db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = id });
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// Saves its order, then fails on its first two calls for a topic: what it saved must roll back
    /// each time. Counted per topic, since each database's test class runs at the same time as the others.
    /// </summary>
    internal sealed class FailingTwiceHandler(TestDbContext db) : IKafkaInboxHandler
    {
        private static readonly ConcurrentDictionary<string, int> Calls = new(StringComparer.Ordinal);

        public static int CallsOn(string topic) => Calls.GetValueOrDefault(topic);

        public async Task HandleAsync(ConsumeResult<string?, byte[]> record, CancellationToken cancellationToken)
        {
            record.Message.Headers.TryGetLastBytes(OutboxHeaderNames.MessageId, out byte[] bytes).Should().BeTrue();
            db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = Encoding.UTF8.GetString(bytes) });
            await db.SaveChangesAsync(cancellationToken); // saved inside the inbox's transaction, then rolled back
            if (Calls.AddOrUpdate(record.Topic, 1, (_, n) => n + 1) <= 2)
            {
                throw new InvalidOperationException("the handler fails");
            }
        }
    }

    /// <summary>Collects <c>outbox.inbox.records</c> by outcome for one consumer group.</summary>
    private sealed class OutcomeListener : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly ConcurrentQueue<string> outcomes = new();

        public OutcomeListener(string group)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "outbox.inbox.records")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                string? outcome = null;
                bool ours = false;
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    outcome = tag.Key == "outbox.inbox.outcome" ? tag.Value as string : outcome;
                    ours |= tag.Key == "messaging.consumer.group.name" && Equals(tag.Value, group);
                }

                if (ours && outcome is not null)
                {
                    outcomes.Enqueue(outcome);
                }
            });
            listener.Start();
        }

        public int Count(string outcome) => outcomes.Count(o => o == outcome);

        public async Task WaitForAsync(int total, TimeSpan timeout)
        {
            for (DateTime deadline = DateTime.UtcNow + timeout; outcomes.Count < total; await Task.Delay(100))
            {
                DateTime.UtcNow.Should().BeBefore(deadline, $"{total} records should have been read, got [{string.Join(", ", outcomes)}]");
            }
        }

        public void Dispose() => listener.Dispose();
    }
}

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlKafkaInboxConsumerTests(PostgreSqlServer postgres) : KafkaInboxConsumerTests(DatabaseKind.PostgreSql, postgres);

public sealed class SqliteKafkaInboxConsumerTests() : KafkaInboxConsumerTests(DatabaseKind.Sqlite, null);

[Collection(SqlServerCollection.Name)]
public sealed class SqlServerKafkaInboxConsumerTests(SqlServerServer server) : KafkaInboxConsumerTests(DatabaseKind.SqlServer, server);
