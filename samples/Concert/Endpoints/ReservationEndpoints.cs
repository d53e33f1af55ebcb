using Concert.Application;

namespace Concert.Endpoints;

internal static class ReservationEndpoints
{
    public static IEndpointRouteBuilder MapReservations(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder reservations = app.MapGroup("/reservations").WithTags("Reservations");

        // Validation (400) runs before the handler; NotFound (404) and rule violations (409) come from ApiExceptionHandler.
        reservations.MapPost("/", async (ReserveSeatRequest request, ReservationService service, CancellationToken cancellationToken) =>
        {
            ReservationResult result = await service.ReserveAsync(request.UserId!.Value, request.SeatId!.Value, cancellationToken);
            return TypedResults.Created($"/reservations/{result.ReservationId}", result);
        });

        reservations.MapGet("/{reservationId:long}", async (long reservationId, ConcertQueries queries, CancellationToken cancellationToken) =>
            TypedResults.Ok(await queries.GetReservationAsync(reservationId, cancellationToken)));

        return app;
    }
}
