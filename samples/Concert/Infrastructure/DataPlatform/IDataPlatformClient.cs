using Concert.Domain.Events;

namespace Concert.Infrastructure.DataPlatform;

/// <summary>The external data platform (analytics) that wants every reservation and payment.</summary>
internal interface IDataPlatformClient
{
    /// <summary>Sends a reservation. <paramref name="messageId"/> lets the platform drop a resend.</summary>
    Task SendReservationAsync(ReservationSucceeded reservation, Guid messageId, CancellationToken cancellationToken);

    /// <summary>Sends a payment. <paramref name="messageId"/> lets the platform drop a resend.</summary>
    Task SendPaymentAsync(PaymentCompleted payment, Guid messageId, CancellationToken cancellationToken);
}
