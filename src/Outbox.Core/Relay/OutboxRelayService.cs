using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outbox.Direct;
using Polly;

namespace Outbox.Relay;

/// <summary>
/// The hosted relay: <see cref="OutboxOptions.MaxConcurrentBatches"/> loops, each driving one
/// <see cref="RelayWorker"/> (claim → send → outcome) while there is work, then sleeping until a
/// commit wakes them or the polling interval passes. Several loops overlap one batch's broker
/// round trip with the next batch's claim; claims never overlap (SKIP LOCKED, and with per-key
/// order a key's next message waits for the previous one). A failed pass (database or broker
/// down) is logged and retried with backoff (<see cref="RelayRetries.UntilItWorks"/>); the host
/// keeps running. Beside them, with <see cref="OutboxOptions.DirectSend"/>, the
/// <see cref="DirectSender"/> sends what this process writes as it commits; the loops then mostly
/// find what it could not.
/// </summary>
internal sealed partial class OutboxRelayService(
    IServiceProvider services,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    TimeProvider timeProvider,
    ILogger<OutboxRelayService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        OutboxOptions settings = options.Value;
        if (!settings.EnableRelay)
        {
            return;
        }

        await Task.Yield();

        // Resolved here, not injected: a missing transport must surface as the options
        // validator's message at start, not as a dependency-injection error.
        RelayPipeline pipeline = services.GetRequiredService<RelayPipeline>();
        RelayHealth health = services.GetService<RelayHealth>() ?? new RelayHealth(timeProvider);
        Log.Started(logger, settings.RelayName, settings.PollingInterval);
        IEnumerable<Task> loops = Enumerable.Range(0, settings.MaxConcurrentBatches).Select(_ => RunLoopAsync(pipeline.CreateWorker(), health, settings, stoppingToken));
        if (settings.DirectSend && services.GetService<DirectSender>() is { } direct)
        {
            loops = loops.Append(direct.RunAsync(stoppingToken));
        }

        health.Started();
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        finally
        {
            health.Stopped();
        }

        Log.Stopped(logger, settings.RelayName);
    }

    private async Task RunLoopAsync(RelayWorker worker, RelayHealth health, OutboxOptions settings, CancellationToken stoppingToken)
    {
        await Task.Yield();
        int failures = 0;
        ResiliencePipeline passRetry = RelayRetries.UntilItWorks("outbox-relay-pass", settings.PollingInterval, settings, timeProvider, _ => true, (failed, delay, ex) =>
        {
            failures = failed;
            health.PassFailed(ex);
            Log.PassFailed(logger, failed, delay, ex);
        });
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int claimed = await passRetry.ExecuteAsync(static (w, token) => new ValueTask<int>(w.PassAsync(token)), worker, stoppingToken).ConfigureAwait(false);
                health.PassSucceeded();
                if (failures > 0)
                {
                    Log.Recovered(logger, failures);
                    failures = 0;
                }

                if (claimed > 0)
                {
                    continue; // There may be more, or successors of the keys just sent.
                }

                await signal.WaitAsync(settings.PollingInterval, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }

        await RecordOnStopAsync(worker).ConfigureAwait(false);
    }

    /// <summary>The last pass's outcomes: recorded before the host stops, so nothing waits for a lease.</summary>
    private async Task RecordOnStopAsync(RelayWorker worker)
    {
        int count = worker.PendingCount;
        try
        {
            await worker.FlushAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort at stop: unrecorded messages are sent again after their lease.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.RecordOnStopFailed(logger, count, ex);
        }
    }
}
