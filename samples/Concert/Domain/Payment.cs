namespace Concert.Domain;

/// <summary>A completed payment for a reservation, in points.</summary>
internal sealed class Payment
{
    public long Id { get; private set; }

    public long ReservationId { get; private set; }

    public long UserId { get; private set; }

    public long Amount { get; private set; }

    public DateTimeOffset PaidAt { get; private set; }

    public static Payment For(SeatReservation reservation, long amount, DateTimeOffset paidAt) =>
        new() { ReservationId = reservation.Id, UserId = reservation.UserId, Amount = amount, PaidAt = paidAt };
}
