using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Outbox.Diagnostics;
using Outbox.PostgreSql.Staging;
using Outbox.Relay;
using Outbox.Transport;

namespace Outbox.PostgreSql.Relay;

/// <summary>
/// The hosted log-tailing relay: makes sure the database is set up, then holds the replication
/// slot and streams (<see cref="LogStreamSession"/>). The slot is the lock: while another instance
/// holds it this one stands by and tries again every <see cref="PostgreSqlLogTailingOptions.TakeoverInterval"/>,
/// taking over when the holder's connection ends. Any other failure (database away, set-up missing)
/// is logged and retried with backoff. Beside it, it samples the slot's lag for the gauge and the
/// health check. Runs when <see cref="OutboxOptions.EnableRelay"/> is on.
/// </summary>
internal sealed partial class LogTailingRelayService(
    IServiceProvider services,
    LogTailingTarget target,
    IOptions<PostgreSqlLogTailingOptions> logOptions,
    IOptions<OutboxOptions> outboxOptions,
    LogTailingState state,
    LogSlotGuard slotGuard,
    TimeProvider timeProvider,
    ILogger<LogTailingRelayService> logger) : BackgroundService
{
    private const string ObjectInUse = "55006";
    private static readonly TimeSpan SetUpAtStartTimeout = TimeSpan.FromSeconds(30);
    private string? connectionString;

    /// <summary>
    /// Sets the database up before the host finishes starting, so the slot exists before the
    /// application's first save: a logical decoding message written while no slot exists is never
    /// streamed. A set-up that fails here is logged and retried by the relay loop.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (outboxOptions.Value.EnableRelay)
        {
            connectionString = logOptions.Value.ConnectionString ?? await ContextConnectionStringAsync().ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SetUpAtStartTimeout);
            try
            {
                await using NpgsqlDataSource source = NpgsqlDataSource.Create(connectionString);
                await ReplicationSetUp.EnsureAsync(source, logOptions.Value, timeout.Token).ConfigureAwait(false);
                slotGuard.Seen();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.SetUpAtStartFailed(logger, ex);
            }
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        OutboxOptions settings = outboxOptions.Value;
        PostgreSqlLogTailingOptions options = logOptions.Value;
        if (!settings.EnableRelay)
        {
            return;
        }

        await Task.Yield();
        string connectionString = this.connectionString ?? options.ConnectionString ?? await ContextConnectionStringAsync().ConfigureAwait(false);
        var metrics = services.GetRequiredService<OutboxMetrics>();
        metrics.Meter.CreateObservableGauge(
            "outbox.log.slot.lag",
            () => state.LagBytes is { } lag ? [new Measurement<long>(lag, new KeyValuePair<string, object?>("outbox.log.slot", options.SlotName))] : Array.Empty<Measurement<long>>(),
            "By",
            "Write-ahead log the outbox's replication slot holds back: from the slot's confirmed position to the end of the log.");

        var sender = new RelaySender(services.GetRequiredService<IOutboxTransport>(), settings, logger);
        var outcomes = new SendOutcomes(settings, metrics, logger);
        var deadWriter = new DeadMessageWriter(services.GetRequiredService<IServiceScopeFactory>(), target, timeProvider);
        await using NpgsqlDataSource source = NpgsqlDataSource.Create(connectionString);
        Task sampling = SampleLagAsync(source, options, stoppingToken);
        int failures = 0;
        bool announcedStandby = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReplicationSetUp.EnsureAsync(source, options, stoppingToken).ConfigureAwait(false);
                slotGuard.Seen();
                using var session = new LogStreamSession(connectionString, options, settings, sender, outcomes, deadWriter, state, timeProvider, logger);
                await session.RunAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (PostgresException ex) when (ex.SqlState == ObjectInUse)
            {
                state.Enter(LogTailingRole.Standby);
                if (!announcedStandby)
                {
                    Log.Standby(logger, options.SlotName, options.TakeoverInterval);
                    announcedStandby = true;
                }

                failures = 0;
                await DelayAsync(options.TakeoverInterval, stoppingToken).ConfigureAwait(false);
                continue;
            }
#pragma warning disable CA1031 // Any failure is retried: the relay must outlive outages.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures++;
                TimeSpan delay = RetryBackoff.DelayFor(failures, settings.RetryDelay, settings.MaxOutageRetryDelay, Random.Shared.NextDouble());
                state.Enter(LogTailingRole.Failing, ex);
                if (ex is LogTailingSetUpException)
                {
                    Log.SetUpMissing(logger, ex.Message, delay);
                }
                else
                {
                    Log.SessionFailed(logger, failures, delay, ex);
                }

                await DelayAsync(delay, stoppingToken).ConfigureAwait(false);
                continue;
            }

            announcedStandby = false;
        }

        state.Enter(LogTailingRole.Stopped);
        await sampling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task<string> ContextConnectionStringAsync()
    {
        await using AsyncServiceScope scope = services.CreateAsyncScope();
        var context = (DbContext)scope.ServiceProvider.GetRequiredService(target.ContextType);
        if (!string.Equals(context.Database.ProviderName, "Npgsql.EntityFrameworkCore.PostgreSQL", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"UsePostgreSqlLogTailing() needs a PostgreSQL database, but {target.ContextType.Name} uses {context.Database.ProviderName}. Remove UsePostgreSqlLogTailing() (the polling relay serves every database), or use UseNpgsql.");
        }

        return context.Database.GetConnectionString()
            ?? throw new InvalidOperationException($"{target.ContextType.Name} has no connection string to stream with. Set PostgreSqlLogTailingOptions.ConnectionString.");
    }

    private async Task SampleLagAsync(NpgsqlDataSource source, PostgreSqlLogTailingOptions options, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlCommand command = source.CreateCommand(
                    "SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = $1");
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = options.SlotName });
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(stoppingToken).ConfigureAwait(false);
                if (await reader.ReadAsync(stoppingToken).ConfigureAwait(false))
                {
                    state.Sampled(reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetBoolean(0));
                }
                else
                {
                    state.Sampled(null, active: false);
                    slotGuard.Missing(); // dropped: saves check again rather than write events nobody streams
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // A failed sample keeps the last one; the session's own failures are logged there.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.LagSampleFailed(logger, ex);
            }

            await DelayAsync(options.LagSampleInterval, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // Event ids 3300-3349: the PostgreSQL log-tailing relay.
    private static partial class Log
    {
        [LoggerMessage(3310, LogLevel.Information, "Outbox replication slot {Slot} is held by another instance; standing by, trying to take over every {Interval}")]
        public static partial void Standby(ILogger logger, string slot, TimeSpan interval);

        [LoggerMessage(3311, LogLevel.Warning, "Outbox log-tailing relay failed ({Failures} in a row), streaming again in {Delay}")]
        public static partial void SessionFailed(ILogger logger, int failures, TimeSpan delay, Exception exception);

        [LoggerMessage(3312, LogLevel.Error, "Outbox log-tailing relay cannot stream: {Problem} Trying again in {Delay}")]
        public static partial void SetUpMissing(ILogger logger, string problem, TimeSpan delay);

        [LoggerMessage(3314, LogLevel.Error, "Outbox log-tailing relay could not set the database up at start; events saved before the replication slot exists are not relayed. Retrying in the background")]
        public static partial void SetUpAtStartFailed(ILogger logger, Exception exception);

        [LoggerMessage(3313, LogLevel.Debug, "Outbox replication slot lag could not be read")]
        public static partial void LagSampleFailed(ILogger logger, Exception exception);
    }
}
