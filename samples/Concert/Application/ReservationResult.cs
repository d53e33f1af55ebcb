namespace Concert.Application;

/// <summary>A seat held for a user until <see cref="ExpiresAt"/>.</summary>
internal sealed record ReservationResult(long ReservationId, long SeatId, string SeatNumber, long Price, DateTimeOffset ExpiresAt, Guid EventId);
