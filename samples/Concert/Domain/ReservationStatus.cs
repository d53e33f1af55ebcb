namespace Concert.Domain;

/// <summary>What a reservation's row says; a <see cref="Held"/> reservation past its expiry can no longer be paid.</summary>
internal enum ReservationStatus
{
    Held = 0,
    Paid = 1,
}
