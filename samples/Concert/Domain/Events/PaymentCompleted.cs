namespace Concert.Domain.Events;

/// <summary>Published when a reservation was paid: the seat is sold and the user's points are spent.</summary>
internal sealed record PaymentCompleted(long PaymentId, long ReservationId, long UserId, long ShowId, long SeatId, string SeatNumber, long Amount, DateTimeOffset PaidAt);
