using Concert.Application;

namespace Concert.Endpoints;

internal static class OutboxEndpoints
{
    public static IEndpointRouteBuilder MapOutboxStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/outbox/summary", async (OutboxStatusQuery query, CancellationToken cancellationToken) =>
            TypedResults.Ok(await query.GetAsync(cancellationToken))).WithTags("Outbox");

        return app;
    }
}
