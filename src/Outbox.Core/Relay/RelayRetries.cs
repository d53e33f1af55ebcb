using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Telemetry;

namespace Outbox.Relay;

/// <summary>
/// Every in-process retry of the relay, as Polly pipelines, so they share one mechanism and one
/// telemetry: Polly's metrics (<c>resilience.polly.strategy.events</c>, meter <c>Polly</c>) through
/// <see cref="Telemetry"/>, named <c>outbox-*</c> with the relay name as instance name. Polly's
/// own log lines are off: each retry is logged once, by the caller's event (an outage must not
/// log every failure twice). The
/// durable retry of a failed message is not here: it is stored (its next attempt's due time) and
/// computed by <see cref="OutcomePolicy"/>.
/// </summary>
internal static class RelayRetries
{
    /// <summary>
    /// Recording outcomes: a few quick tries ride out a blip; a longer outage is the hosted loop's
    /// to back off from, with the outcomes kept pending so nothing waits for its lease needlessly.
    /// </summary>
    public static ResiliencePipeline Record(OutboxOptions options, TimeProvider timeProvider, Action<int, Exception?> onRetry) =>
        Builder("outbox-record", options, timeProvider)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                OnRetry = args =>
                {
                    onRetry(args.AttemptNumber + 1, args.Outcome.Exception);
                    return default;
                },
            })
            .ConfigureTelemetry(Telemetry)
            .Build();

    /// <summary>
    /// A loop that must survive outages (the hosted relay's passes, direct sends' store calls, the
    /// first read of the database's clock): retried without end, exponential from
    /// <paramref name="firstDelay"/> to <see cref="OutboxOptions.MaxOutageRetryDelay"/> with jitter, until it works
    /// or the host stops. <paramref name="onRetry"/> gets the failure count, the delay and the error.
    /// </summary>
    public static ResiliencePipeline UntilItWorks(string name, TimeSpan firstDelay, OutboxOptions options, TimeProvider timeProvider, Func<Exception, bool> handles, Action<int, TimeSpan, Exception> onRetry) =>
        Builder(name, options, timeProvider)
            .AddRetry(new RetryStrategyOptions
            {
                // Any failure but the host stopping (a driver's own timeout may be an OperationCanceledException too).
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && !args.Context.CancellationToken.IsCancellationRequested && handles(ex)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstDelay,
                MaxDelay = options.MaxOutageRetryDelay,
                OnRetry = args =>
                {
                    onRetry(args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception!);
                    return default;
                },
            })
            .ConfigureTelemetry(Telemetry)
            .Build();

    /// <summary>Polly's metrics without its log lines.</summary>
    private static readonly TelemetryOptions Telemetry = new() { LoggerFactory = NullLoggerFactory.Instance };

    private static ResiliencePipelineBuilder Builder(string name, OutboxOptions options, TimeProvider timeProvider) =>
        new() { Name = name, InstanceName = options.RelayName, TimeProvider = timeProvider };
}
