namespace Concert.Domain;

/// <summary>A seat of a show. It is held for a reservation for a while, then sold when paid.</summary>
internal sealed class Seat
{
    public long Id { get; private set; }

    public long ShowId { get; private set; }

    /// <summary>Gets the label printed on the ticket, for example <c>A-07</c>.</summary>
    public string Number { get; private set; } = string.Empty;

    public long Price { get; private set; }

    public SeatStatus Status { get; private set; }

    /// <summary>Gets when the current hold ends, or <see langword="null"/> when the seat is not held.</summary>
    public DateTimeOffset? HeldUntil { get; private set; }

    /// <summary>
    /// Gets the concurrency token. Every change bumps it and EF Core updates the row only where it
    /// still has the value it read, so of two concurrent holds exactly one is saved (on SQLite and
    /// PostgreSQL alike).
    /// </summary>
    public int Version { get; private set; }

    public static Seat Create(string number, long price) => new() { Number = number, Price = price };

    /// <summary>Gets the status as a customer sees it at <paramref name="now"/>: an expired hold counts as available.</summary>
    public SeatStatus StatusAt(DateTimeOffset now) =>
        Status == SeatStatus.Held && HeldUntil <= now ? SeatStatus.Available : Status;

    public void Hold(DateTimeOffset now, DateTimeOffset until)
    {
        switch (StatusAt(now))
        {
            case SeatStatus.Sold:
                throw new DomainRuleException("seat-sold", $"Seat {Number} is sold.");
            case SeatStatus.Held:
                throw new DomainRuleException("seat-held", $"Seat {Number} is held by another reservation until {HeldUntil:O}.");
        }

        Status = SeatStatus.Held;
        HeldUntil = until;
        Version++;
    }

    public void Sell()
    {
        Status = SeatStatus.Sold;
        HeldUntil = null;
        Version++;
    }
}
