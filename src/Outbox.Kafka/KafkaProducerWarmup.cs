using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Outbox.Kafka;

/// <summary>Connects the Kafka producer in the background when the host starts (see <see cref="KafkaOutboxTransport.WarmUp"/>).</summary>
internal sealed class KafkaProducerWarmup(IServiceProvider services, IOptions<OutboxOptions> outboxOptions) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Only where this process relays, and only for our own transport (a user may have replaced it).
        if (!outboxOptions.Value.EnableRelay || services.GetService<IOutboxTransport>() is not KafkaOutboxTransport transport)
        {
            return Task.CompletedTask;
        }

        return Task.Run(transport.WarmUp, stoppingToken);
    }
}
