namespace Concert.Domain;

/// <summary>A user's hold on a seat: it must be paid before <see cref="ExpiresAt"/>, or the seat is free again.</summary>
internal sealed class SeatReservation
{
    public long Id { get; private set; }

    public long UserId { get; private set; }

    public long SeatId { get; private set; }

    public ReservationStatus Status { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>Holds <paramref name="seat"/> for <paramref name="user"/> from <paramref name="now"/> for <paramref name="holdFor"/>.</summary>
    public static SeatReservation Hold(User user, Seat seat, DateTimeOffset now, TimeSpan holdFor)
    {
        DateTimeOffset expiresAt = now + holdFor;
        seat.Hold(now, expiresAt);
        return new SeatReservation { UserId = user.Id, SeatId = seat.Id, Status = ReservationStatus.Held, CreatedAt = now, ExpiresAt = expiresAt };
    }

    /// <summary>Pays the reservation: the user's points go down by the seat's price and the seat is sold.</summary>
    public Payment Pay(User user, Seat seat, DateTimeOffset now)
    {
        if (user.Id != UserId)
        {
            throw new DomainRuleException("not-your-reservation", $"Reservation {Id} belongs to another user.");
        }

        if (Status == ReservationStatus.Paid)
        {
            throw new DomainRuleException("reservation-paid", $"Reservation {Id} is already paid.");
        }

        if (now >= ExpiresAt)
        {
            throw new DomainRuleException("reservation-expired", $"Reservation {Id} expired at {ExpiresAt:O}; reserve the seat again.");
        }

        user.Spend(seat.Price);
        seat.Sell();
        Status = ReservationStatus.Paid;
        return Payment.For(this, seat.Price, now);
    }
}
