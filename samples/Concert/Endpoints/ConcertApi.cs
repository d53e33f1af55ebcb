namespace Concert.Endpoints;

internal static class ConcertApi
{
    /// <summary>Maps every endpoint of the app.</summary>
    public static IEndpointRouteBuilder MapConcertApi(this IEndpointRouteBuilder app) =>
        app.MapConcerts()
            .MapReservations()
            .MapPayments()
            .MapUsers()
            .MapOutboxStatus();
}
