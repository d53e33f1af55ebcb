using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Outbox;

/// <summary>
/// The hosted relay: <see cref="OutboxOptions.MaxConcurrentBatches"/> loops that each run passes
/// while there is work, then sleep until a commit wakes them or the polling interval passes. A
/// pass records the previous pass's outcomes in the same store call as its claim.
/// Several loops overlap one batch's broker round trip with the next batch's claim; claims never
/// overlap (SKIP LOCKED, and with per-key order a key's next message waits for the previous one).
/// Failures (database or broker down) are logged and retried with backoff; the host keeps running.
/// Beside them, with <see cref="OutboxOptions.DirectSend"/>, the <see cref="DirectSender"/> sends
/// what this process writes as it commits; the loops then mostly find what it could not.
/// </summary>
internal sealed partial class OutboxRelayService(
    IServiceProvider services,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    TimeProvider timeProvider,
    ILogger<OutboxRelayService> logger) : BackgroundService
{
    private static readonly TimeSpan MaxFailureDelay = TimeSpan.FromSeconds(30);

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
        IMessageRelay relay = services.GetRequiredService<IMessageRelay>();
        RelayHealth health = services.GetService<RelayHealth>() ?? new RelayHealth(timeProvider);
        Log.Started(logger, settings.RelayName, settings.PollingInterval);
        IEnumerable<Task> loops = Enumerable.Range(0, settings.MaxConcurrentBatches).Select(_ => RunLoopAsync(relay, health, settings, stoppingToken));
        // Only beside the library's own relay: a replaced IMessageRelay owns every send.
        if (settings.DirectSend && relay is MessageRelay && services.GetService<DirectSender>() is { } direct)
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

    private async Task RunLoopAsync(IMessageRelay relay, RelayHealth health, OutboxOptions settings, CancellationToken stoppingToken)
    {
        await Task.Yield();

        // The library's relay records a pass's outcomes with the next claim (one round trip per
        // batch); a replaced IMessageRelay runs whole passes.
        var pipelined = relay as MessageRelay;
        var pending = new PendingOutcomes();
        int failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int claimed = pipelined is null
                    ? await relay.RelayOnceAsync(stoppingToken).ConfigureAwait(false)
                    : await pipelined.PassAsync(pending, stoppingToken).ConfigureAwait(false);
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
#pragma warning disable CA1031 // The relay must survive outages: log, back off, try again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures++;
                health.PassFailed(ex);
                TimeSpan delay = RetryBackoff.DelayFor(failures, settings.PollingInterval, MaxFailureDelay, Random.Shared.NextDouble());
                Log.PassFailed(logger, failures, delay, ex);
                try
                {
                    await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        if (pipelined is not null && pending.Count > 0)
        {
            await RecordOnStopAsync(pipelined, pending).ConfigureAwait(false);
        }
    }

    /// <summary>The last pass's outcomes: recorded before the host stops, so nothing waits for a lease.</summary>
    private async Task RecordOnStopAsync(MessageRelay relay, PendingOutcomes pending)
    {
        try
        {
            await relay.RecordAsync(pending).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort at stop: unrecorded messages are sent again after their lease.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.RecordOnStopFailed(logger, pending.Count, ex);
        }
    }
}
