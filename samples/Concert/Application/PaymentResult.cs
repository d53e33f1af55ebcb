namespace Concert.Application;

/// <summary>A paid reservation and what the user has left.</summary>
internal sealed record PaymentResult(long PaymentId, long ReservationId, long Amount, long RemainingPoints, Guid EventId);
