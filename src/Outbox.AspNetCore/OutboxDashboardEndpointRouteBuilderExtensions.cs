using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outbox;
using Outbox.AspNetCore;
using Outbox.AspNetCore.Dashboard;
using Outbox.AspNetCore.Throughput;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the outbox dashboard (<c>Outbox.AspNetCore</c>).</summary>
public static class OutboxDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the outbox dashboard under <paramref name="pattern"/>: the page at
    /// <c>{pattern}/</c> (counts by status, the oldest unfinished message's age, throughput, DEAD
    /// messages with their errors, a message view, requeue) and the JSON endpoints it reads
    /// (<c>{pattern}/api/summary</c>, <c>api/dead</c>, <c>api/messages/{id}</c>,
    /// <c>api/throughput</c>, <c>api/antiforgery</c>, and the POST <c>api/requeue</c>). Nothing is
    /// served unless this is called. The dashboard shows message payloads and can requeue them:
    /// protect it, for example with <c>.RequireAuthorization("OutboxOperators")</c> on the result,
    /// which applies to every endpoint of the dashboard. The requeue POST requires the ASP.NET Core
    /// antiforgery token (register it with <c>services.AddAntiforgery()</c>) and a JSON body, so
    /// other sites cannot send it from a signed-in operator's browser.
    /// </summary>
    /// <param name="endpoints">The application's endpoint route builder (the <c>WebApplication</c>).</param>
    /// <param name="pattern">The path prefix of the dashboard.</param>
    /// <param name="configure">Sets the dashboard's options, or <see langword="null"/> for the defaults.</param>
    /// <returns>A builder for the dashboard's endpoints, to chain conventions such as <c>RequireAuthorization</c> or <c>RequireHost</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is out of range (the message names it and the allowed range).</exception>
    /// <exception cref="InvalidOperationException">The outbox is not registered (<c>AddOutbox()</c>), or requeue is allowed and antiforgery is not registered (<c>AddAntiforgery()</c>).</exception>
    public static IEndpointConventionBuilder MapOutboxDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/outbox", Action<OutboxDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var options = new OutboxDashboardOptions();
        configure?.Invoke(options);
        Validate(options, nameof(configure));

        IServiceProvider services = endpoints.ServiceProvider;
        var registered = services.GetRequiredService<IServiceProviderIsService>();
        if (!registered.IsService(typeof(IOutboxAdmin)))
        {
            throw new InvalidOperationException("MapOutboxDashboard needs the outbox: register it with builder.Services.AddOutbox() (with a store, such as .UseEntityFrameworkCore<TContext>()) before builder.Build().");
        }

        if (options.AllowRequeue && !registered.IsService(typeof(IAntiforgery)))
        {
            throw new InvalidOperationException("The outbox dashboard's requeue action is protected by ASP.NET Core antiforgery: add builder.Services.AddAntiforgery() before builder.Build(), or map a read-only dashboard with MapOutboxDashboard(pattern, o => o.AllowRequeue = false).");
        }

        TimeProvider timeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var throughput = new ThroughputRecorder(
            services.GetService<IMeterFactory>(),
            timeProvider,
            options.ThroughputInterval,
            (int)(options.ThroughputHistory.Ticks / options.ThroughputInterval.Ticks));
        services.GetService<IHostApplicationLifetime>()?.ApplicationStopped.Register(throughput.Dispose);
        ILogger logger = services.GetService<ILoggerFactory>()?.CreateLogger("Outbox.AspNetCore.Dashboard") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var handlers = new DashboardEndpoints(options, throughput, new DashboardAssets(), timeProvider, logger);

        RouteGroupBuilder group = endpoints.MapGroup(pattern);
        group.ExcludeFromDescription();
        group.MapGet("/", new RequestDelegate(handlers.PageAsync));
        group.MapGet("/" + DashboardAssets.Script, new RequestDelegate(handlers.ScriptAsync));
        group.MapGet("/" + DashboardAssets.Style, new RequestDelegate(handlers.StyleAsync));
        group.MapGet("/api/summary", new RequestDelegate(handlers.SummaryAsync));
        group.MapGet("/api/dead", new RequestDelegate(DashboardEndpoints.DeadAsync));
        group.MapGet("/api/messages/{id}", new RequestDelegate(handlers.MessageAsync));
        group.MapGet("/api/throughput", new RequestDelegate(handlers.ThroughputAsync));
        if (options.AllowRequeue)
        {
            group.MapGet("/api/antiforgery", new RequestDelegate(DashboardEndpoints.AntiforgeryAsync));
            group.MapPost("/api/requeue", new RequestDelegate(handlers.RequeueAsync));
        }

        return group;
    }

    private static void Validate(OutboxDashboardOptions options, string parameter)
    {
        static string Fail(string option, object value, string allowed) => $"OutboxDashboardOptions.{option} is {value}; allowed: {allowed}.";

        if (new OutboxDashboardOptionsValidator().Validate(name: null, options) is { Failed: true } result)
        {
            throw new ArgumentException(result.FailureMessage, parameter);
        }

        long intervals = options.ThroughputHistory.Ticks / options.ThroughputInterval.Ticks;
        if (options.ThroughputHistory.Ticks % options.ThroughputInterval.Ticks != 0 || intervals is < 1 or > 1000)
        {
            throw new ArgumentException(Fail(nameof(options.ThroughputHistory), options.ThroughputHistory, $"1 to 1,000 whole ThroughputIntervals ({options.ThroughputInterval} each)"), parameter);
        }
    }
}
