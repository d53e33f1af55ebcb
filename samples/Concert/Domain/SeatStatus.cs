namespace Concert.Domain;

/// <summary>What a seat's row says; a <see cref="Held"/> seat whose hold ran out is free again.</summary>
internal enum SeatStatus
{
    Available = 0,
    Held = 1,
    Sold = 2,
}
