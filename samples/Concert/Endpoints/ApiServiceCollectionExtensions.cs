using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;

namespace Concert.Endpoints;

internal static class ApiServiceCollectionExtensions
{
    /// <summary>Problem details for every error, request DTO validation, and enums as strings in JSON.</summary>
    public static IServiceCollection AddConcertApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddValidation();

        // Throw on unreadable bodies instead of answering a bare 400, so ApiExceptionHandler can name the field.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options => options.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return services;
    }
}
