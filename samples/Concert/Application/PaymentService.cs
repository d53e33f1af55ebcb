using Concert.Domain;
using Concert.Domain.Events;
using Concert.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Outbox;

namespace Concert.Application;

/// <summary>
/// Pays a reservation: points deducted, seat sold, reservation paid, payment recorded and
/// <see cref="PaymentCompleted"/> staged, all in one database transaction.
/// </summary>
internal sealed class PaymentService(ConcertDbContext db, IOutbox outbox, TimeProvider clock)
{
    /// <exception cref="NotFoundException">The reservation or the user does not exist.</exception>
    /// <exception cref="DomainRuleException">The reservation expired, is paid or is another user's, or the points do not cover the price.</exception>
    /// <exception cref="DbUpdateConcurrencyException">Another request changed the seat or the user's balance first.</exception>
    public async Task<PaymentResult> PayAsync(long reservationId, long userId, CancellationToken cancellationToken)
    {
        await using IDbContextTransaction transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        SeatReservation reservation = await db.Reservations.FindAsync([reservationId], cancellationToken)
            ?? throw new NotFoundException("Reservation", reservationId);
        User user = await db.Users.FindAsync([userId], cancellationToken) ?? throw new NotFoundException("User", userId);
        Seat seat = await db.Seats.SingleAsync(s => s.Id == reservation.SeatId, cancellationToken);

        Payment payment = reservation.Pay(user, seat, clock.GetUtcNow());
        db.Payments.Add(payment);
        await db.SaveChangesAsync(cancellationToken); // assigns the payment id the event carries

        var completed = new PaymentCompleted(payment.Id, reservation.Id, user.Id, seat.ShowId, seat.Id, seat.Number, payment.Amount, payment.PaidAt);
        OutboxStagedMessage message = outbox.Add(ConcertTopics.Payments, ReservationService.SeatKey(seat), completed);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        return new PaymentResult(payment.Id, reservation.Id, payment.Amount, user.Points, message.Id);
    }
}
