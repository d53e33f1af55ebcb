using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Outbox.Kafka;

/// <summary>
/// Connects the Kafka producer in the background when the host starts (see
/// <see cref="KafkaOutboxTransport.WarmUp"/>). Registered only with the transport it warms, where
/// <c>UseKafka</c> registered the outbox's transport.
/// </summary>
internal sealed class KafkaProducerWarmup(KafkaOutboxTransport transport, IOptions<OutboxOptions> outboxOptions) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // Only where this process relays.
        outboxOptions.Value.EnableRelay ? Task.Run(transport.WarmUp, stoppingToken) : Task.CompletedTask;
}
