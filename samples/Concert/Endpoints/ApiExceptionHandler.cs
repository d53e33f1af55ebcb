using System.Text.Json;
using Concert.Application;
using Concert.Domain;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Concert.Endpoints;

/// <summary>
/// Turns the app's exceptions into problem details: unknown ids 404, business rule violations
/// and lost races 409 (with a <c>reason</c>), bodies that cannot be read 400 naming the field.
/// A thrown request never committed its transaction, so it wrote no outbox row.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            NotFoundException notFound => new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = $"{notFound.Resource} not found",
                Detail = notFound.Message,
            },
            DomainRuleException rule => Conflict(rule.Reason, rule.Message),
            DbUpdateConcurrencyException => Conflict("concurrent-update", "Another request changed the same seat or balance at the same time and won. Read the seat again and retry."),
            BadHttpRequestException badRequest => UnreadableBody(badRequest),
            _ => null,
        };

        if (problem is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails Conflict(string reason, string detail) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "The request conflicts with the current state",
        Detail = detail,
        Extensions = { ["reason"] = reason },
    };

    /// <summary>A body that is not JSON, or has a value of the wrong type: name the field JSON stopped at.</summary>
    private static HttpValidationProblemDetails UnreadableBody(BadHttpRequestException exception)
    {
        (string field, string error) = exception.InnerException is JsonException json
            ? (FieldOf(json.Path), "The JSON is malformed here, or the value has the wrong type.")
            : ("body", "A JSON body is required.");

        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [error] })
        {
            Status = exception.StatusCode,
            Title = "The request body could not be read",
            Detail = $"Check '{field}'.",
        };
    }

    // "$.userId" → "UserId", the key the validator uses for the same property; "$" (the document itself) → "body".
    private static string FieldOf(string? jsonPath)
    {
        if (jsonPath is null || !jsonPath.StartsWith("$.", StringComparison.Ordinal))
        {
            return "body";
        }

        string field = jsonPath[2..];
        return string.Concat(char.ToUpperInvariant(field[0]).ToString(), field[1..]);
    }
}
