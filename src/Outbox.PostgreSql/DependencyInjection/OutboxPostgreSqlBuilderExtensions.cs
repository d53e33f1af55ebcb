using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Outbox;
using Outbox.EntityFrameworkCore.Interception;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.PostgreSql;
using Outbox.PostgreSql.Health;
using Outbox.PostgreSql.Relay;
using Outbox.PostgreSql.Staging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Switches the EF Core outbox on PostgreSQL to the log-tailing relay.</summary>
public static class OutboxPostgreSqlBuilderExtensions
{
    /// <summary>
    /// Writes the events <see cref="IOutbox"/> stages as transactional logical decoding messages in
    /// the same round trip as the context's <c>SaveChanges</c> (no outbox row), and relays them from a
    /// logical replication slot in commit order; the slot's position is confirmed only once the broker
    /// acknowledged every message before it. One instance streams at a time (the slot is the lock);
    /// others stand by and take over. Messages the relay gives up on are written DEAD into the
    /// outbox table, where <see cref="IOutboxAdmin"/> lists and requeues them (the polling relay sends
    /// requeued rows, and rows written by <c>IDbTransactionOutbox</c>). Needs <c>wal_level=logical</c>
    /// and a role with <c>REPLICATION</c>; creates the publication and slot when it may.
    /// </summary>
    /// <param name="builder">The outbox builder, after <c>UseEntityFrameworkCore&lt;TContext&gt;()</c>.</param>
    /// <param name="configure">Sets the slot, the publication and the in-memory bound; validated when the host starts.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>UseEntityFrameworkCore&lt;TContext&gt;()</c> was not called first.</exception>
    public static IOutboxBuilder UsePostgreSqlLogTailing(this IOutboxBuilder builder, Action<PostgreSqlLogTailingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        Type contextType = services
            .Select(d => d.ServiceType)
            .FirstOrDefault(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(OutboxSql.Cache<>))?
            .GetGenericArguments()[0]
            ?? throw new InvalidOperationException(
                "UsePostgreSqlLogTailing() was called before UseEntityFrameworkCore<TContext>(): the log-tailing relay streams the events of the outbox's DbContext. " +
                "Call services.AddOutbox().UseEntityFrameworkCore<TContext>().UsePostgreSqlLogTailing().");

        OptionsBuilder<PostgreSqlLogTailingOptions> options = services.AddOptions<PostgreSqlLogTailingOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlLogTailingOptions>, PostgreSqlLogTailingOptionsValidator>());
        if (services.Any(d => d.ServiceType == typeof(LogTailingTarget)))
        {
            return builder;
        }

        services.AddSingleton(new LogTailingTarget(contextType));
        services.AddSingleton<LogSlotGuard>();
        services.AddSingleton<LogMessageInterceptor>();
        services.AddSingleton<IOutboxLogStaging>(sp => sp.GetRequiredService<LogMessageInterceptor>());
        services.TryAddSingleton<LogTailingState>();
        services.AddHostedService<LogTailingRelayService>();
        return builder;
    }

    /// <summary>
    /// Adds the log-tailing relay's health check: the failure status (Unhealthy by default) when it
    /// has not been able to stream for a minute; Degraded when the slot holds back more write-ahead log
    /// than <see cref="PostgreSqlLogTailingOptions.MaxHealthyLagBytes"/>; the role (<c>Streaming</c>,
    /// <c>Standby</c>, <c>Failing</c>), <c>slot_active</c> and <c>slot_lag_bytes</c> in the data.
    /// Needs <see cref="UsePostgreSqlLogTailing"/>.
    /// </summary>
    /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">What a relay that cannot stream reports; <see langword="null"/> for <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">The check's tags; <see langword="null"/> for <c>outbox</c> and <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    public static IHealthChecksBuilder AddOutboxLogTailingHealthCheck(this IHealthChecksBuilder builder, string name = "outbox-log-tailing", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        builder.Services.TryAddSingleton<LogTailingState>();
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => ActivatorUtilities.CreateInstance<LogTailingHealthCheck>(sp),
            failureStatus,
            tags ?? ["outbox", "ready"]));
    }
}
