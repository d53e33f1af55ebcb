using Outbox.Kafka;
using Outbox.Kafka.Testing;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// A scenario's own world: a fresh database on the run's PostgreSQL server, a 3-broker Kafka mock
/// cluster and a topic (replication factor 3, so leaders can move) on it.
/// </summary>
public abstract class ScenarioTest(PostgreSqlServer postgres, ITestOutputHelper output) : IAsyncLifetime
{
    protected const int Partitions = 12;

    protected ITestOutputHelper Output { get; } = output;

    protected ScenarioDatabase Database { get; private set; } = null!;

    protected KafkaMockCluster Kafka { get; private set; } = null!;

    /// <summary>Gets the sampler of messages in flight per key, running from the start of the scenario.</summary>
    protected InFlightMonitor InFlight { get; private set; } = null!;

    protected string Topic { get; } = "reliability-" + Guid.NewGuid().ToString("N")[..8];

    public virtual async Task InitializeAsync()
    {
        Database = await ScenarioDatabase.CreateAsync(postgres.ConnectionString);
        InFlight = InFlightMonitor.Start(Database.ConnectionString);
        Kafka = KafkaMockCluster.Start(brokers: 3);
        Kafka.CreateTopic(Topic, Partitions, replicationFactor: 3);
    }

    public virtual async Task DisposeAsync()
    {
        await InFlight.DisposeAsync();
        Kafka.Dispose();
    }

    /// <summary>Starts a relay host on this scenario's database and cluster.</summary>
    protected Task<ScenarioHost> StartHostAsync(
        Action<OutboxOptions>? configureOutbox = null,
        Action<Outbox.Kafka.OutboxKafkaOptions>? configureKafka = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configureServices = null,
        Action<IOutboxBuilder>? configureBuilder = null) =>
        ScenarioHost.StartAsync(Database.ConnectionString, Kafka.BootstrapServers, configureOutbox, configureKafka, configureServices, configureBuilder);

    /// <summary>Reads the topic back and compares it with the committed ids (and their database positions).</summary>
    protected async Task<DeliveryCount> CountAsync(IReadOnlyCollection<Guid> written) =>
        await DeliveryCount.ReadAsync(Kafka.BootstrapServers, Topic, written, positions: await Database.PositionsAsync());

    /// <summary>Adds the row to the table (before any assertion, so a failure still shows its numbers) and to the test output.</summary>
    protected void Report(ScenarioRow row)
    {
        row = row with { MaxInFlightPerKey = InFlight.Max };
        ReliabilityTable.Record(row);
        Output.WriteLine(ReliabilityTable.ToMarkdown([row]));
    }
}
