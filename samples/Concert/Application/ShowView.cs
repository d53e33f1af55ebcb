namespace Concert.Application;

/// <summary>A show as the API lists it.</summary>
internal sealed record ShowView(long ConcertId, string Title, DateTimeOffset StartsAt);
