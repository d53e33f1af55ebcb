using Concert.Application;

namespace Concert.Endpoints;

internal static class ConcertEndpoints
{
    public static IEndpointRouteBuilder MapConcerts(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder concerts = app.MapGroup("/concerts").WithTags("Concerts");

        concerts.MapGet("/", async (ConcertQueries queries, CancellationToken cancellationToken) =>
            TypedResults.Ok(await queries.ListShowsAsync(cancellationToken)));

        concerts.MapGet("/{concertId:long}/seats", async (long concertId, ConcertQueries queries, CancellationToken cancellationToken) =>
            TypedResults.Ok(await queries.ListSeatsAsync(concertId, cancellationToken)));

        return app;
    }
}
