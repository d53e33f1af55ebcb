using Concert.Domain;
using Concert.Domain.Events;
using Concert.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Outbox;

namespace Concert.Application;

/// <summary>Holds a seat for a user and stages <see cref="ReservationSucceeded"/> in the same transaction.</summary>
internal sealed class ReservationService(ConcertDbContext db, IOutbox outbox, TimeProvider clock, IOptions<ReservationOptions> options)
{
    /// <exception cref="NotFoundException">The user or the seat does not exist.</exception>
    /// <exception cref="DomainRuleException">The seat is held or sold, or a concurrent request held it first.</exception>
    public async Task<ReservationResult> ReserveAsync(long userId, long seatId, CancellationToken cancellationToken)
    {
        try
        {
            return await HoldSeatAsync(userId, seatId, cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // The seat's version changed between our read and our update: a concurrent reservation committed first.
            throw new DomainRuleException("seat-held", $"Seat {seatId} was just reserved by a concurrent request.");
        }
    }

    private async Task<ReservationResult> HoldSeatAsync(long userId, long seatId, CancellationToken cancellationToken)
    {
        // One transaction for the hold, the reservation and the outbox row: the event exists if and only if the hold does.
        await using IDbContextTransaction transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        User user = await db.Users.FindAsync([userId], cancellationToken) ?? throw new NotFoundException("User", userId);
        Seat seat = await db.Seats.FindAsync([seatId], cancellationToken) ?? throw new NotFoundException("Seat", seatId);

        var reservation = SeatReservation.Hold(user, seat, clock.GetUtcNow(), options.Value.HoldDuration);
        db.Reservations.Add(reservation);
        await db.SaveChangesAsync(cancellationToken); // assigns the reservation id the event carries

        var succeeded = new ReservationSucceeded(reservation.Id, user.Id, seat.ShowId, seat.Id, seat.Number, reservation.ExpiresAt);
        OutboxStagedMessage message = outbox.Add(ConcertTopics.Reservations, SeatKey(seat), succeeded);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        return new ReservationResult(reservation.Id, seat.Id, seat.Number, seat.Price, reservation.ExpiresAt, message.Id);
    }

    /// <summary>Gets the Kafka key of a seat's events: one key per seat keeps them in order on one partition.</summary>
    public static string SeatKey(Seat seat) => $"seat-{seat.Id}";
}
