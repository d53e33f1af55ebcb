namespace Concert.Application;

/// <summary>The Kafka topics the app publishes to (through the outbox) and its consumers read.</summary>
internal static class ConcertTopics
{
    public const string Reservations = "concert.reservations";

    public const string Payments = "concert.payments";

    public static readonly IReadOnlyList<string> All = [Reservations, Payments];
}
