using Concert.Domain.Events;
using Concert.Infrastructure.Kafka;

namespace Concert.Infrastructure.DataPlatform;

/// <summary>The data platform's consumer group: forwards every reservation and payment to <see cref="IDataPlatformClient"/>.</summary>
internal sealed class DataPlatformConsumer(
    KafkaConnection kafka,
    IServiceScopeFactory scopeFactory,
    TimeProvider clock,
    ILogger<DataPlatformConsumer> logger) : ConcertEventConsumer(kafka, scopeFactory, clock, logger)
{
    public const string Group = "concert-data-platform";

    public override string GroupId => Group;

    protected override Task HandleAsync(ReceivedEvent received, IServiceProvider services, CancellationToken cancellationToken)
    {
        IDataPlatformClient client = services.GetRequiredService<IDataPlatformClient>();
        return received.Event switch
        {
            PaymentCompleted payment => client.SendPaymentAsync(payment, received.MessageId, cancellationToken),
            ReservationSucceeded reservation => client.SendReservationAsync(reservation, received.MessageId, cancellationToken),
            _ => Task.CompletedTask,
        };
    }
}
