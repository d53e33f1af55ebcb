using Concert.Application;

namespace Concert.Endpoints;

internal static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder app)
    {
        app.MapGet("/users/{userId:long}", async (long userId, ConcertQueries queries, CancellationToken cancellationToken) =>
            TypedResults.Ok(await queries.GetUserAsync(userId, cancellationToken))).WithTags("Users");

        return app;
    }
}
