namespace Concert.Domain;

/// <summary>
/// One concert performance: a title, a date and its seats. (Named <c>Show</c> because
/// <c>Concert</c> is the application's namespace.)
/// </summary>
internal sealed class Show
{
    public long Id { get; private set; }

    public string Title { get; private set; } = string.Empty;

    public DateTimeOffset StartsAt { get; private set; }

    public List<Seat> Seats { get; private set; } = [];

    public static Show Create(string title, DateTimeOffset startsAt) => new() { Title = title, StartsAt = startsAt };
}
