using Concert.Domain;

namespace Concert.Application;

/// <summary>A reservation as the API shows it.</summary>
internal sealed record ReservationView(long ReservationId, long UserId, long SeatId, ReservationStatus Status, DateTimeOffset ExpiresAt, bool Expired);
