using Concert.Application;
using Concert.Endpoints;
using Concert.Infrastructure.Kafka;
using Concert.Infrastructure.Observability;
using Concert.Infrastructure.Persistence;
using Microsoft.Extensions.Options;
using Outbox;
using Outbox.Kafka;
using Outbox.Kafka.Testing;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

// The app. The database comes first: its initializer creates the tables before the outbox relay starts polling.
builder.Services.AddConcertDatabase(builder.Configuration);
builder.Services.AddConcertApplication(builder.Configuration);
builder.Services.AddConcertMessaging(builder.Configuration);
builder.Services.AddConcertApi();

// Operations: the outbox health check at /health; spans and metrics when Telemetry:Exporter is console or otlp.
builder.Services.AddConcertObservability(builder.Configuration);

// The outbox: IOutbox stages events in ConcertDbContext, so they commit with the business rows;
// the relay then sends them to Kafka (INIT → PUBLISH → COMPLETE, retried until the broker has them).
// Outbox:RelayName, PollingInterval, BatchSize, MaxAttempts, ... and Outbox:Kafka come from configuration.
// The consumers are the outbox's inbox consumers: each group handles each event once, in a transaction with its
// inbox_messages record, and commits the offset after it.
builder.Services.AddOutbox(builder.Configuration.GetSection("Outbox"))
    .UseEntityFrameworkCore<ConcertDbContext>()
    .UseKafka(builder.Configuration.GetSection("Outbox:Kafka"))
    .AddConcertConsumers();

// One broker list for the outbox producer and the consumers: Kafka:BootstrapServers or, when that is not set, an
// embedded mock cluster with the app's topics (Outbox.Kafka.Testing, a test package), so the demo runs with nothing
// installed. Only this file knows about the embedded cluster; the rest of the app sees a KafkaConnection.
builder.Services.AddSingleton(EmbeddedKafka.Connect);
builder.Services.AddSingleton(EmbeddedKafka.Start); // resolved only when embedded; the container stops it with the host

// With Outbox:Kafka:ConfirmationMode=Consumer the confirmation group reads the app's topics back.
builder.Services.AddOptions<OutboxKafkaOptions>()
    .Configure<KafkaConnection>((kafka, connection) =>
    {
        kafka.BootstrapServers = connection.BootstrapServers;
        if (kafka.ConfirmationTopics.Count == 0)
        {
            foreach (string topic in ConcertTopics.All)
            {
                kafka.ConfirmationTopics.Add(topic);
            }
        }
    });

// The outbox dashboard's requeue button posts with an antiforgery token.
builder.Services.AddAntiforgery();

WebApplication app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapConcertApi();
app.MapHealthChecks("/health", new() { ResponseWriter = HealthReportJsonWriter.WriteAsync });

// The outbox dashboard (Outbox.AspNetCore) at http://localhost:5080/outbox: counts by status, throughput,
// DEAD messages with their errors, a message view and requeue. The demo has no sign-in; a real app
// puts it behind a policy: app.MapOutboxDashboard("/outbox").RequireAuthorization("OutboxOperators").
app.MapOutboxDashboard("/outbox");
app.Run();

/// <summary>The demo's embedded Kafka: the composition root's choice between the configured cluster and librdkafka's mock cluster.</summary>
internal static partial class EmbeddedKafka
{
    public static KafkaConnection Connect(IServiceProvider services)
    {
        KafkaOptions settings = services.GetRequiredService<IOptions<KafkaOptions>>().Value;
        ILogger logger = services.GetRequiredService<ILogger<KafkaConnection>>();
        if (!string.IsNullOrWhiteSpace(settings.BootstrapServers))
        {
            LogConfigured(logger, settings.BootstrapServers);
            return new KafkaConnection(settings.BootstrapServers);
        }

        KafkaMockCluster cluster = services.GetRequiredService<KafkaMockCluster>();
        LogEmbedded(logger, cluster.BootstrapServers, settings.EmbeddedBrokers, string.Join(", ", ConcertTopics.All));
        return new KafkaConnection(cluster.BootstrapServers);
    }

    public static KafkaMockCluster Start(IServiceProvider services)
    {
        KafkaOptions settings = services.GetRequiredService<IOptions<KafkaOptions>>().Value;
        KafkaMockCluster cluster = KafkaMockCluster.Start(settings.EmbeddedBrokers);
        foreach (string topic in ConcertTopics.All)
        {
            cluster.CreateTopic(topic, settings.EmbeddedPartitions);
        }

        return cluster;
    }

    [LoggerMessage(LogLevel.Information, "Kafka: {BootstrapServers}")]
    private static partial void LogConfigured(ILogger logger, string bootstrapServers);

    [LoggerMessage(LogLevel.Information, "Kafka: embedded mock cluster ({Brokers} brokers) at {BootstrapServers}, topics {Topics}; set Kafka:BootstrapServers to use a real cluster")]
    private static partial void LogEmbedded(ILogger logger, string bootstrapServers, int brokers, string topics);
}
