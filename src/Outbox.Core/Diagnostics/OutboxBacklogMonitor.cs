using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outbox.Storage;

namespace Outbox.Diagnostics;

/// <summary>
/// The backlog figures the gauges and the health check share: read from the store's cheap
/// index-only query (<see cref="IOutboxAdminStore.GetBacklogAsync"/>) at most once per
/// <see cref="OutboxOptions.BacklogRefreshInterval"/>, however often they are scraped or probed.
/// Callers that arrive while a read is running share it. A failed read is kept for the interval
/// too, so a database outage is not hammered by probes.
/// </summary>
internal sealed partial class OutboxBacklogMonitor(IServiceScopeFactory scopes, IOptions<OutboxOptions> options, TimeProvider timeProvider, ILogger<OutboxBacklogMonitor> logger)
{
    private readonly Lock gate = new();
    private BacklogReading? latest;
    private Task<BacklogReading>? reading;

    /// <summary>Gets a reading no older than the refresh interval, reading the store when needed.</summary>
    /// <param name="cancellationToken">Stops waiting; the shared read itself goes on for the others.</param>
    public Task<BacklogReading> GetAsync(CancellationToken cancellationToken = default)
    {
        Task<BacklogReading> pending;
        lock (gate)
        {
            if (latest is { } current && !IsStale(current))
            {
                return Task.FromResult(current);
            }

            pending = reading ??= ReadAsync();
        }

        return pending.WaitAsync(cancellationToken);
    }

    /// <summary>For the gauges, which cannot wait: the latest reading (possibly stale, or none yet), starting a read in the background when it is stale.</summary>
    public BacklogReading? Observe()
    {
        lock (gate)
        {
            if (latest is null || IsStale(latest))
            {
                reading ??= ReadAsync();
            }

            return latest;
        }
    }

    private bool IsStale(BacklogReading current) => timeProvider.GetElapsedTime(current.ReadAt) >= options.Value.BacklogRefreshInterval;

    /// <summary>Never throws: a failure is a reading with its error.</summary>
    private async Task<BacklogReading> ReadAsync()
    {
        await Task.Yield(); // off the caller's lock and thread
        BacklogReading result;
        try
        {
            await using AsyncServiceScope scope = scopes.CreateAsyncScope();
            OutboxBacklog backlog = await scope.ServiceProvider.GetRequiredService<IOutboxAdminStore>().GetBacklogAsync(CancellationToken.None).ConfigureAwait(false);
            result = new BacklogReading(backlog, null, timeProvider.GetTimestamp());
        }
#pragma warning disable CA1031 // The figures are for metrics and probes: a failed read is reported, never thrown at a scrape.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ReadFailed(logger, ex);
            result = new BacklogReading(null, ex, timeProvider.GetTimestamp());
        }

        lock (gate)
        {
            latest = result;
            reading = null;
        }

        return result;
    }

    // Event ids 1300-1399: operations (the backlog monitor).
    private static partial class Log
    {
        [LoggerMessage(1300, LogLevel.Warning, "Could not read the outbox backlog for the gauges and the health check")]
        public static partial void ReadFailed(ILogger logger, Exception exception);
    }
}
