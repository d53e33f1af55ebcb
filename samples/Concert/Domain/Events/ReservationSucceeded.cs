namespace Concert.Domain.Events;

/// <summary>Published when a seat was held for a user. Its type name is the message's <c>outbox-message-type</c> header.</summary>
internal sealed record ReservationSucceeded(long ReservationId, long UserId, long ShowId, long SeatId, string SeatNumber, DateTimeOffset ExpiresAt);
