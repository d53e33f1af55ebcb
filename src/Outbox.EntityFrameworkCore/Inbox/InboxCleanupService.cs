using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Outbox.EntityFrameworkCore.Inbox;

/// <summary>
/// Deletes inbox records older than <see cref="OutboxOptions.InboxRetention"/> every
/// <see cref="OutboxOptions.CleanupInterval"/>, in hosts whose model has the inbox table (with the
/// relay on or off: a host may only consume).
/// </summary>
internal sealed partial class InboxCleanupService<TContext>(
    IServiceScopeFactory scopeFactory,
    IOptions<OutboxOptions> options,
    TimeProvider timeProvider,
    ILogger<InboxCleanupService<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.CleanupInterval, timeProvider, stoppingToken).ConfigureAwait(false);
                if (await CleanOnceAsync(stoppingToken).ConfigureAwait(false) is null)
                {
                    return; // no inbox table in this model
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // Clean-up is housekeeping: a failure waits for the next interval.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.Failed(logger, ex);
            }
        }
    }

    /// <summary>Deletes the expired records.</summary>
    /// <returns>How many, or <see langword="null"/> when the model has no inbox table.</returns>
    public async Task<int?> CleanOnceAsync(CancellationToken cancellationToken)
    {
        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        TContext context = scope.ServiceProvider.GetRequiredService<TContext>();
        if (context.Model.FindEntityType(typeof(InboxRecord)) is null)
        {
            return null;
        }

        TimeSpan retention = options.Value.InboxRetention;
        DateTime cutoff = timeProvider.GetUtcNow().UtcDateTime - retention;
        int deleted = await context.Set<InboxRecord>().Where(r => r.ReceivedAt < cutoff).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        if (deleted > 0)
        {
            Log.Deleted(logger, deleted, retention);
        }

        return deleted;
    }
}
