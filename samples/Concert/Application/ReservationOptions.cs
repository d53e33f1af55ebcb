namespace Concert.Application;

/// <summary>Reservation rules, bound from the <c>Reservations</c> configuration section.</summary>
internal sealed class ReservationOptions
{
    public const string SectionName = "Reservations";

    /// <summary>Gets or sets how long a reservation holds its seat before it must be paid.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan HoldDuration { get; set; } = TimeSpan.FromMinutes(5);
}
