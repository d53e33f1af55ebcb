using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outbox.Kafka;
using Outbox.Reliability.Tests.Infrastructure;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 10: bad input at every public entry point gets a clear exception naming the problem,
/// and nothing already committed is harmed: messages committed before, around and after the bad
/// calls are all delivered.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class BadInputTests(PostgreSqlServer postgres, ITestOutputHelper output) : ScenarioTest(postgres, output)
{
    private readonly List<string> rejected = [];

    [Fact]
    public async Task BadInputEverywhere_ClearExceptionsNamingTheProblem_CommittedMessagesAllDelivered()
    {
        // A topic that does not exist on a broker with auto-create off: the mock is told to answer
        // "unknown topic" for it, as such a broker does, until an operator creates it.
        string missingTopic = "missing-" + Guid.NewGuid().ToString("N")[..8];
        Kafka.SetTopicError(missingTopic, Confluent.Kafka.ErrorCode.UnknownTopicOrPart);
        await using ScenarioHost host = await StartHostAsync(configureKafka: k =>
        {
            // Auto-create off; librdkafka's wait for a new topic to propagate shortened so the test is quick (30 s by default).
            k.Producer.Set("allow.auto.create.topics", "false");
            k.Producer.Set("topic.metadata.propagation.max.ms", "1000");
        });

        // Committed before any bad input.
        var written = new List<Guid>();
        written.AddRange(await host.CommitAsync(Topic, 50, i => "before-" + (i % 5)));

        // The application's entry point, IOutbox: each bad call throws at once and stages nothing;
        // the good parts of the same transaction commit.
        written.AddRange(await host.InScopeAsync(async (db, outbox) =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var ids = new List<Guid> { outbox.AddRaw(Topic, "around", [1]).Id };
            Expect<ArgumentException>(() => outbox.AddRaw(null!, "k", [1]), "topic", "null topic");
            Expect<ArgumentException>(() => outbox.AddRaw("", "k", [1]), "topic", "empty topic");
            Expect<ArgumentException>(() => outbox.AddRaw("orders/eu", "k", [1]), "topic", "illegal character '/'");
            Expect<ArgumentException>(() => outbox.AddRaw(new string('t', 250), "k", [1]), "topic", "250-character topic");
            Expect<ArgumentException>(() => outbox.AddRaw(Topic, "k", null!), "payload", "null payload");
            Expect<ArgumentException>(() => outbox.Add<OrderPlaced?>(Topic, "k", null), "payload", "null typed payload");
            Expect<ArgumentException>(() => outbox.AddRaw(Topic, "k", new byte[999_900]), "payload", "record (payload + key + headers) over the producer's message.max.bytes");
            Expect<ArgumentException>(() => outbox.AddRaw(Topic, new string('k', 451), [1]), "key", "451-character key");
            Expect<ArgumentException>(() => outbox.AddRaw(Topic, "k", [1], new string('T', 1000)), "type", "1000-character type");
            Expect<ArgumentException>(() => outbox.AddRaw(Topic, "k", [1], headers: new Dictionary<string, string> { [""] = "v" }), "headers", "empty header name");
            Expect<ArgumentException>(() => outbox.AddRaw(Topic, "k\0", [1]), "key", "NUL in the key (PostgreSQL text cannot hold it)");
            Expect<ArgumentException>(() => outbox.AddRaw(Topic, "k", [1], "Type\uD800"), "type", "lone surrogate in the type (no UTF-8 form)");
            Expect<ArgumentException>(() => outbox.AddRaw(Topic, "k", [1], headers: new Dictionary<string, string> { [OutboxHeaderNames.MessageId] = "mine" }), "headers", "reserved header name");
            ids.Add(outbox.AddRaw(Topic, "around", [2]).Id);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return ids;
        }));

        // The operator's entry point, IOutboxAdmin.
        await using (AsyncServiceScope scope = host.Services.CreateAsyncScope())
        {
            var admin = scope.ServiceProvider.GetRequiredService<IOutboxAdmin>();
            await ExpectAsync<ArgumentOutOfRangeException>(() => admin.ListDeadAsync(0), "limit", "ListDeadAsync(0)");
            await ExpectAsync<ArgumentOutOfRangeException>(() => admin.ListDeadAsync(10_001), "limit", "ListDeadAsync(10001)");
            await ExpectAsync<ArgumentNullException>(() => admin.RequeueAsync(null!), "messageIds", "RequeueAsync(null)");
        }

        // Registration: null arguments.
        Expect<ArgumentNullException>(() => ((IServiceCollection)null!).AddOutbox(), "services", "AddOutbox on null services");
        Expect<ArgumentNullException>(() => ((IOutboxBuilder)null!).UseEntityFrameworkCore<TestDbContext>(), "builder", "UseEntityFrameworkCore on null builder");
        Expect<ArgumentNullException>(() => new ServiceCollection().AddOutbox().UseKafka((Action<OutboxKafkaOptions>)null!), "configure", "UseKafka(null)");

        // Invalid options, a DbContext without the outbox model, no store/transport: the host refuses to start and says what to fix.
        await ExpectStartFailsAsync(o => o.BatchSize = 0, null, "OutboxOptions.BatchSize is 0");
        await ExpectStartFailsAsync(o => o.LeaseDuration = TimeSpan.Zero, null, "OutboxOptions.LeaseDuration");
        await ExpectStartFailsAsync(o => o.MaxAttempts = 0, null, "OutboxOptions.MaxAttempts is 0");
        await ExpectStartFailsAsync(o => o.PollingInterval = TimeSpan.FromSeconds(-1), null, "OutboxOptions.PollingInterval");
        await ExpectStartFailsAsync(o => o.RetryDelay = TimeSpan.FromMinutes(10), null, "OutboxOptions.RetryDelay");
        await ExpectStartFailsAsync(o => o.LeaseDuration = TimeSpan.FromSeconds(5), null, "but a send through the transport can take up to 00:00:10");
        await ExpectStartFailsAsync(o => o.RelayName = new string('r', 101), null, "OutboxOptions.RelayName is 101 characters");
        await ExpectStartFailsAsync(null, k => k.BootstrapServers = null, "OutboxKafkaOptions.BootstrapServers is not set");
        await ExpectStartFailsAsync(null, k => k.SendTimeout = TimeSpan.Zero, "OutboxKafkaOptions.SendTimeout");
        await ExpectStartFailsAsync(null, k => k.Producer.Acks = Confluent.Kafka.Acks.Leader, "idempotent producer needs acks=all");
        await ExpectStartFailsAsync(null, k => k.Producer.MessageTimeoutMs = 0, "message.timeout.ms (or delivery.timeout.ms) to 0");
        await ExpectNoOutboxModelAsync();

        // A message to a topic that does not exist, auto-create off: retried (a topic-level error),
        // and delivered once an operator creates the topic.
        Guid toMissingTopic = (await host.InScopeAsync(async (db, outbox) =>
        {
            OutboxStagedMessage m = outbox.AddRaw(missingTopic, "k", [1]);
            await db.SaveChangesAsync();
            return m;
        })).Id;

        // Committed after all of it.
        written.AddRange(await host.CommitAsync(Topic, 50, i => "after-" + (i % 5)));
        var clock = Stopwatch.StartNew();

        List<OutboxMessage> waiting = await Database.WaitForRowsAsync(
            r => r.Count(m => m.Status == OutboxStatus.Complete) == written.Count && r.Single(m => m.Id == toMissingTopic).Attempts >= 2, TimeSpan.FromSeconds(60));
        OutboxMessage missing = waiting.Single(r => r.Id == toMissingTopic);
        Kafka.SetTopicError(missingTopic, Confluent.Kafka.ErrorCode.NoError); // the operator creates the topic

        Drain drain = await Database.WaitForDrainAsync(written.Count + 1, clock, TimeSpan.FromSeconds(60));
        DeliveryCount count = await CountAsync(written);
        List<OutboxMessage> rows = await Database.RowsAsync();
        OutboxMessage delivered = rows.Single(r => r.Id == toMissingTopic);
        Report(ScenarioRow.From("10 bad input at every public entry point", count, drain,
            $"{rejected.Count} bad calls, each a clear exception naming the problem (IOutbox ×13, IOutboxAdmin ×3, registration ×3, host start ×12, IOutbox on a DbContext without the outbox model ×1); "
            + $"a message to a missing topic with auto-create off: {missing.Status} after {missing.Attempts} attempts (\"{missing.LastError}\"), then {delivered.Status} once the topic existed (not in written)"));

        drain.ShouldHaveDrained();
        count.Lost.Should().Be(0, "nothing already committed is harmed");
        count.Duplicates.Should().Be(0);
        rows.Should().OnlyContain(r => r.Status == OutboxStatus.Complete);
        missing.Status.Should().NotBe(OutboxStatus.Dead, "a missing topic is a topic-level error: retried, never DEAD in one pass");
        missing.LastError.Should().Contain("nknown");
        rejected.Should().HaveCount(32, "every bad call above was rejected");
    }

    private void Expect<TException>(Action call, string parameter, string what)
        where TException : ArgumentException
    {
        TException ex = call.Should().Throw<TException>(what).Which;
        ex.ParamName.Should().Be(parameter, what);
        ex.Message.Should().NotBeNullOrWhiteSpace();
        rejected.Add($"{what}: {ex.GetType().Name}: {ex.Message}");
    }

    private async Task ExpectAsync<TException>(Func<Task> call, string parameter, string what)
        where TException : ArgumentException
    {
        TException ex = (await call.Should().ThrowAsync<TException>(what)).Which;
        ex.ParamName.Should().Be(parameter, what);
        rejected.Add($"{what}: {ex.GetType().Name}: {ex.Message}");
    }

    private async Task ExpectStartFailsAsync(Action<OutboxOptions>? outbox, Action<OutboxKafkaOptions>? kafka, string messagePart)
    {
        Func<Task> start = async () =>
        {
            await using ScenarioHost host = await StartHostAsync(outbox, kafka);
        };
        OptionsValidationException ex = (await start.Should().ThrowAsync<OptionsValidationException>(messagePart)).Which;
        ex.Message.Should().Contain(messagePart);
        rejected.Add($"host start: {ex.Message}");
        Output.WriteLine(rejected[^1]);
    }

    private async Task ExpectNoOutboxModelAsync()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        builder.Services.AddDbContext<PlainDbContext>(o => o.UseNpgsql(Database.ConnectionString));
        builder.Services.AddOutbox().UseEntityFrameworkCore<PlainDbContext>().UseKafka(k => k.BootstrapServers = Kafka.BootstrapServers);
        using IHost host = builder.Build();

        // Staging on it (even in a host that was never started) fails at the first use of IOutbox...
        await using (AsyncServiceScope scope = host.Services.CreateAsyncScope())
        {
            Action stage = () => scope.ServiceProvider.GetRequiredService<IOutbox>().AddRaw(Topic, "k", [1]);
            Exception ex = stage.Should().Throw<Exception>().Which;
            ex.Message.Should().Contain("PlainDbContext has no outbox table").And.Contain("AddOutboxMessages");
            rejected.Add($"IOutbox on a DbContext without the outbox model: {ex.GetType().Name}: {ex.Message}");
        }

        // ...and the host refuses to start.
        InvalidOperationException start = (await host.Invoking(h => h.StartAsync()).Should().ThrowAsync<InvalidOperationException>()).Which;
        start.Message.Should().Contain("PlainDbContext has no outbox table").And.Contain("AddOutboxMessages");
        rejected.Add($"host start: {start.Message}");
    }

    /// <summary>An application context that forgot <c>modelBuilder.AddOutboxMessages()</c>.</summary>
    private sealed class PlainDbContext(DbContextOptions<PlainDbContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) =>
            modelBuilder.Entity<Order>(order => order.ToTable("orders").HasKey(o => o.Id));
    }
}
