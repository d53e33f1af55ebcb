using Concert.Application;
using Concert.Endpoints;
using Concert.Infrastructure.Kafka;
using Concert.Infrastructure.Persistence;
using Outbox;
using Outbox.Kafka;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

// The app. The database comes first: its initializer creates the tables before the outbox relay starts polling.
builder.Services.AddConcertDatabase(builder.Configuration);
builder.Services.AddConcertApplication(builder.Configuration);
builder.Services.AddConcertMessaging(builder.Configuration);
builder.Services.AddConcertApi();

// The outbox: IOutbox stages events in ConcertDbContext, so they commit with the business rows;
// the relay then sends them to Kafka (INIT → PUBLISH → COMPLETE, retried until the broker has them).
builder.Services.AddOutbox(outbox => outbox.RelayName = "concert-api")
    .UseEntityFrameworkCore<ConcertDbContext>()
    .UseKafka(builder.Configuration.GetSection("Outbox:Kafka"));

// Outbox:PollingInterval, BatchSize, MaxAttempts, ... from configuration.
builder.Services.Configure<OutboxOptions>(builder.Configuration.GetSection("Outbox"));

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

WebApplication app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapConcertApi();
app.Run();
