using Concert.Domain.Events;
using Concert.Infrastructure.Kafka;

namespace Concert.Infrastructure.DataPlatform;

/// <summary>The data platform's consumer group: forwards every reservation and payment to <see cref="IDataPlatformClient"/>.</summary>
internal sealed class DataPlatformHandler(IDataPlatformClient client, ILogger<DataPlatformHandler> logger) : ConcertEventHandler(logger)
{
    public const string Group = "concert-data-platform";

    protected override string GroupId => Group;

    protected override Task HandleAsync(ReceivedEvent received, CancellationToken cancellationToken) => received.Event switch
    {
        PaymentCompleted payment => client.SendPaymentAsync(payment, received.MessageId, cancellationToken),
        ReservationSucceeded reservation => client.SendReservationAsync(reservation, received.MessageId, cancellationToken),
        _ => Task.CompletedTask,
    };
}
