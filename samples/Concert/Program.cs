using Concert.Application;
using Concert.Endpoints;
using Concert.Infrastructure.Kafka;
using Concert.Infrastructure.Observability;
using Concert.Infrastructure.Persistence;
using Outbox;
using Outbox.Kafka;

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
builder.Services.AddOutbox(builder.Configuration.GetSection("Outbox"))
    .UseEntityFrameworkCore<ConcertDbContext>()
    .UseKafka(builder.Configuration.GetSection("Outbox:Kafka"));

// One broker list for the outbox producer and the consumers: Kafka:BootstrapServers, or the embedded cluster.
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
