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

    protected string Topic { get; } = "reliability-" + Guid.NewGuid().ToString("N")[..8];

    public virtual async Task InitializeAsync()
    {
        Database = await ScenarioDatabase.CreateAsync(postgres.ConnectionString);
        Kafka = KafkaMockCluster.Start(brokers: 3);
        Kafka.CreateTopic(Topic, Partitions, replicationFactor: 3);
    }

    public virtual Task DisposeAsync()
    {
        Kafka.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Starts a relay host on this scenario's database and cluster.</summary>
    protected Task<ScenarioHost> StartHostAsync(Action<OutboxOptions>? configureOutbox = null, Action<Outbox.Kafka.OutboxKafkaOptions>? configureKafka = null) =>
        ScenarioHost.StartAsync(Database.ConnectionString, Kafka.BootstrapServers, configureOutbox, configureKafka);

    /// <summary>Reads the topic back and compares it with the committed ids.</summary>
    protected Task<DeliveryCount> CountAsync(IReadOnlyCollection<Guid> written) =>
        DeliveryCount.ReadAsync(Kafka.BootstrapServers, Topic, written);

    /// <summary>Adds the row to the table (before any assertion, so a failure still shows its numbers) and to the test output.</summary>
    protected void Report(ScenarioRow row)
    {
        ReliabilityTable.Record(row);
        Output.WriteLine(ReliabilityTable.ToMarkdown([row]));
    }
}
