using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outbox.AspNetCore.Throughput;

namespace Outbox.AspNetCore.Dashboard;

/// <summary>
/// The dashboard's request handlers: the page and its assets, and the JSON endpoints the page
/// reads. Handlers are plain <see cref="RequestDelegate"/>s that write with
/// <see cref="DashboardJsonContext"/>, so the application's JSON options and parameter binding
/// play no part. Bad input is a 400 problem naming the parameter.
/// </summary>
internal sealed partial class DashboardEndpoints(OutboxDashboardOptions options, ThroughputRecorder throughput, DashboardAssets assets, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>The most DEAD messages one GET api/dead returns.</summary>
    public const int MaxDeadLimit = 1000;

    /// <summary>The most ids one POST api/requeue takes.</summary>
    public const int MaxRequeueIds = 1000;

    public const int DefaultDeadLimit = 100;

    public Task PageAsync(HttpContext context)
    {
        // The page's links and calls are relative to where it was served from (path base and group prefix included).
        string basePath = context.Request.PathBase.Add(context.Request.Path).Value?.TrimEnd('/') ?? string.Empty;
        string html = assets.Page(basePath, options.RefreshInterval, options.AllowRequeue);
        HttpResponse response = context.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = DashboardAssets.ContentSecurityPolicy;
        response.Headers["Referrer-Policy"] = "no-referrer";
        return response.WriteAsync(html, context.RequestAborted);
    }

    public Task ScriptAsync(HttpContext context) => assets.WriteAsync(context, DashboardAssets.Script);

    public Task StyleAsync(HttpContext context) => assets.WriteAsync(context, DashboardAssets.Style);

    public async Task SummaryAsync(HttpContext context)
    {
        OutboxBacklog backlog = await Admin(context).GetBacklogAsync(context.RequestAborted).ConfigureAwait(false);
        var summary = new SummaryResponse(backlog.Init, backlog.Publish, backlog.Dead, backlog.OldestUnfinishedAge?.TotalSeconds, timeProvider.GetUtcNow());
        await TypedResults.Json(summary, DashboardJsonContext.Default.SummaryResponse).ExecuteAsync(context).ConfigureAwait(false);
    }

    public static async Task DeadAsync(HttpContext context)
    {
        int limit = DefaultDeadLimit;
        if (context.Request.Query.TryGetValue("limit", out var values))
        {
            string? text = values.Count == 1 ? values[0] : null;
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxDeadLimit)
            {
                await BadRequest("limit", $"limit must be a whole number from 1 to {MaxDeadLimit}; got '{values}'.").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
        }

        IReadOnlyList<OutboxMessage> dead = await Admin(context).ListDeadAsync(limit, context.RequestAborted).ConfigureAwait(false);
        var response = new DeadResponse(limit, dead.Select(m => new DeadMessageItem(m.Id, m.Topic, m.Key, m.Type, m.Attempts, m.CreatedAt, m.CompletedAt, m.LastError)).ToList());
        await TypedResults.Json(response, DashboardJsonContext.Default.DeadResponse).ExecuteAsync(context).ConfigureAwait(false);
    }

    public async Task MessageAsync(HttpContext context)
    {
        string? text = context.Request.RouteValues["id"] as string;
        if (!Guid.TryParse(text, out Guid id))
        {
            await BadRequest("id", $"id must be a message id (a UUID such as 0193a5c2-7d1e-7c3a-9f00-2b6e4a1c9d10); got '{text}'.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        OutboxMessage? message = await Admin(context).GetMessageAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (message is null)
        {
            await TypedResults.Problem(
                detail: $"No outbox message has id {id}: it was never written, or retention deleted it after it finished.",
                statusCode: StatusCodes.Status404NotFound,
                title: "Message not found").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var response = new MessageResponse(
            message.Id,
            message.Topic,
            message.Key,
            message.Type,
            StatusName(message.Status),
            message.Attempts,
            message.CreatedAt,
            message.NextAttemptAt,
            message.PublishedAt,
            message.CompletedAt,
            message.LastError,
            HeadersOf(message),
            PayloadPreviews.Create(message.Payload, options.PayloadPreviewBytes));
        await TypedResults.Json(response, DashboardJsonContext.Default.MessageResponse).ExecuteAsync(context).ConfigureAwait(false);
    }

    public Task ThroughputAsync(HttpContext context)
    {
        var response = new ThroughputResponse(
            throughput.Interval.TotalSeconds,
            "this process's relay (the Outbox.Core meter's outbox.messages.* counters)",
            throughput.Snapshot().Select(i => new ThroughputBar(i.Start, i.Delivered, i.Failed, i.Dead)).ToList());
        return TypedResults.Json(response, DashboardJsonContext.Default.ThroughputResponse).ExecuteAsync(context);
    }

    public static Task AntiforgeryAsync(HttpContext context)
    {
        AntiforgeryTokenSet tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new AntiforgeryResponse(tokens.HeaderName ?? "RequestVerificationToken", tokens.RequestToken ?? string.Empty), DashboardJsonContext.Default.AntiforgeryResponse).ExecuteAsync(context);
    }

    /// <summary>
    /// Requeues DEAD messages. Cross-site requests cannot reach it: the body must be JSON (a
    /// cross-site form can only send form or plain-text bodies, and a cross-site script sending
    /// JSON needs a CORS preflight the dashboard never answers), and the antiforgery token the page
    /// fetched from GET api/antiforgery must come in its header, matching the antiforgery cookie.
    /// </summary>
    public async Task RequeueAsync(HttpContext context)
    {
        if (!context.Request.HasJsonContentType())
        {
            await TypedResults.Problem(
                detail: "POST api/requeue takes application/json: {\"ids\": [\"<message id>\", ...]}.",
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported content type").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        try
        {
            await context.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException ex)
        {
            Log.RequeueRefused(logger, ex.Message);
            await TypedResults.Problem(
                detail: "The requeue request has no valid antiforgery token. The dashboard page sends the token from GET api/antiforgery in its header, with the antiforgery cookie; requests from other sites cannot.",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Antiforgery token missing or invalid").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        RequeueRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync(DashboardJsonContext.Default.RequeueRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request?.Ids is not { Count: > 0 and <= MaxRequeueIds } ids)
        {
            await BadRequest("ids", $"ids must be a list of 1 to {MaxRequeueIds} message ids: {{\"ids\": [\"<message id>\", ...]}}.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        List<Guid> distinct = ids.Distinct().ToList();
        int requeued = await Admin(context).RequeueAsync(distinct, context.RequestAborted).ConfigureAwait(false);
        Log.Requeued(logger, requeued, distinct.Count, context.User.Identity?.Name ?? "(anonymous)");
        await TypedResults.Json(new RequeueResponse(distinct.Count, requeued), DashboardJsonContext.Default.RequeueResponse).ExecuteAsync(context).ConfigureAwait(false);
    }

    /// <summary>The status as the table stores it and operators say it: INIT, PUBLISH, COMPLETE, DEAD.</summary>
    internal static string StatusName(OutboxStatus status) => status.ToString().ToUpperInvariant();

    private static IOutboxAdmin Admin(HttpContext context) => context.RequestServices.GetRequiredService<IOutboxAdmin>();

    private static ValidationProblem BadRequest(string parameter, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [parameter] = [message] },
            detail: message,
            title: $"Invalid parameter '{parameter}'");

    private static IReadOnlyDictionary<string, string> HeadersOf(OutboxMessage message)
    {
        try
        {
            return message.ReadHeaders();
        }
        catch (JsonException)
        {
            // Written by something other than the outbox: show it as it is.
            return new Dictionary<string, string> { ["(unparsed headers)"] = message.Headers ?? string.Empty };
        }
    }

    // Event ids 4000-4099: the dashboard.
    private static partial class Log
    {
        [LoggerMessage(4000, LogLevel.Information, "Outbox dashboard: {Requeued} of {Requested} messages requeued (the others were not DEAD) by {User}")]
        public static partial void Requeued(ILogger logger, int requeued, int requested, string user);

        [LoggerMessage(4001, LogLevel.Warning, "Outbox dashboard: a requeue request was refused, its antiforgery token is missing or invalid: {Reason}")]
        public static partial void RequeueRefused(ILogger logger, string reason);
    }
}
