using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outbox.Storage;

namespace Outbox.Cleanup;

/// <summary>
/// Deletes COMPLETE messages older than <see cref="OutboxOptions.CompletedRetention"/> and DEAD
/// ones older than <see cref="OutboxOptions.DeadRetention"/> (on the database's clock), in
/// statements of at most <see cref="OutboxOptions.CleanupBatchSize"/> rows, so the table does not
/// grow without bound and no delete holds locks the relay's claims need.
/// </summary>
internal sealed partial class OutboxCleanupService(
    IServiceScopeFactory scopeFactory,
    IOptions<OutboxOptions> options,
    TimeProvider timeProvider,
    ILogger<OutboxCleanupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        OutboxOptions settings = options.Value;
        if (!settings.EnableRelay)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(settings.CleanupInterval, timeProvider, stoppingToken).ConfigureAwait(false);
                await CleanOnceAsync(stoppingToken).ConfigureAwait(false);
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

    /// <summary>Deletes every expired completed and dead message, one bounded batch at a time.</summary>
    /// <returns>How many were deleted.</returns>
    public async Task<int> CleanOnceAsync(CancellationToken cancellationToken)
    {
        OutboxOptions settings = options.Value;
        int total = 0;
        if (settings.CompletedRetention > TimeSpan.Zero) // zero: the store deletes at completion
        {
            total += await DeleteAsync(OutboxStatus.Complete, settings.CompletedRetention, cancellationToken).ConfigureAwait(false);
        }

        return total + await DeleteAsync(OutboxStatus.Dead, settings.DeadRetention, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> DeleteAsync(OutboxStatus status, TimeSpan retention, CancellationToken cancellationToken)
    {
        int batch = options.Value.CleanupBatchSize;
        int total = 0;
        int deleted;
        do
        {
            await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
            IOutboxCleanupStore store = scope.ServiceProvider.GetRequiredService<IOutboxCleanupStore>();
            deleted = await store.DeleteFinishedAsync(status, retention, batch, cancellationToken).ConfigureAwait(false);
            total += deleted;
        }
        while (deleted == batch && !cancellationToken.IsCancellationRequested);

        if (total > 0)
        {
            Log.Deleted(logger, total, status, retention);
        }

        return total;
    }
}
