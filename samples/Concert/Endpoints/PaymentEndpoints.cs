using Concert.Application;

namespace Concert.Endpoints;

internal static class PaymentEndpoints
{
    public static IEndpointRouteBuilder MapPayments(this IEndpointRouteBuilder app)
    {
        app.MapPost("/payments", async (PayReservationRequest request, PaymentService service, CancellationToken cancellationToken) =>
        {
            PaymentResult result = await service.PayAsync(request.ReservationId!.Value, request.UserId!.Value, cancellationToken);
            return TypedResults.Created($"/reservations/{result.ReservationId}", result);
        }).WithTags("Payments");

        return app;
    }
}
