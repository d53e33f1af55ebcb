using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Outbox;

/// <summary>
/// Deletes COMPLETE messages older than <see cref="OutboxOptions.CompletedRetention"/>, in
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
        if (!settings.EnableRelay || settings.CompletedRetention == TimeSpan.Zero)
        {
            return; // Zero retention: the store deletes at completion.
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(settings.CleanupInterval, timeProvider, stoppingToken).ConfigureAwait(false);
                int deleted = await CleanOnceAsync(stoppingToken).ConfigureAwait(false);
                if (deleted > 0)
                {
                    Log.Deleted(logger, deleted, settings.CompletedRetention);
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

    /// <summary>Deletes every expired completed message, one bounded batch at a time.</summary>
    /// <returns>How many were deleted.</returns>
    public async Task<int> CleanOnceAsync(CancellationToken cancellationToken)
    {
        OutboxOptions settings = options.Value;
        DateTimeOffset cutoff = timeProvider.GetUtcNow() - settings.CompletedRetention;
        int total = 0;
        int deleted;
        do
        {
            await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
            IOutboxStore store = scope.ServiceProvider.GetRequiredService<IOutboxStore>();
            deleted = await store.DeleteCompletedAsync(cutoff, settings.CleanupBatchSize, cancellationToken).ConfigureAwait(false);
            total += deleted;
        }
        while (deleted == settings.CleanupBatchSize && !cancellationToken.IsCancellationRequested);

        return total;
    }
}
