using System.Collections.Concurrent;
using Concert.Domain.Events;

namespace Concert.Infrastructure.DataPlatform;

/// <summary>
/// The default data platform: writes each record to the log and keeps it in memory
/// (<see cref="Deliveries"/>), so a demo shows what would be sent and tests can check it.
/// </summary>
internal sealed partial class LoggingDataPlatformClient(ILogger<LoggingDataPlatformClient> logger) : IDataPlatformClient
{
    private readonly ConcurrentQueue<DataPlatformDelivery> deliveries = new();

    /// <summary>Gets everything sent so far, oldest first.</summary>
    public IReadOnlyCollection<DataPlatformDelivery> Deliveries => deliveries;

    public Task SendReservationAsync(ReservationSucceeded reservation, Guid messageId, CancellationToken cancellationToken)
    {
        deliveries.Enqueue(new DataPlatformDelivery(messageId, reservation));
        LogReservation(logger, reservation.ReservationId, reservation.SeatNumber, reservation.UserId);
        return Task.CompletedTask;
    }

    public Task SendPaymentAsync(PaymentCompleted payment, Guid messageId, CancellationToken cancellationToken)
    {
        deliveries.Enqueue(new DataPlatformDelivery(messageId, payment));
        LogPayment(logger, payment.PaymentId, payment.Amount, payment.SeatNumber, payment.UserId);
        return Task.CompletedTask;
    }

    [LoggerMessage(LogLevel.Information, "Data platform ← reservation {ReservationId}: seat {SeatNumber}, user {UserId}")]
    private static partial void LogReservation(ILogger logger, long reservationId, string seatNumber, long userId);

    [LoggerMessage(LogLevel.Information, "Data platform ← payment {PaymentId}: {Amount} points for seat {SeatNumber}, user {UserId}")]
    private static partial void LogPayment(ILogger logger, long paymentId, long amount, string seatNumber, long userId);
}
