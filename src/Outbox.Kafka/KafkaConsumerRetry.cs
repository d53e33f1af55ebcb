using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Telemetry;

namespace Outbox.Kafka;

/// <summary>
/// The retry the library's consumers (confirmation, inbox) put around work whose offsets wait for
/// it: every failure but cancellation, tried again with exponential backoff until it succeeds or the
/// host stops; logged by the caller's <c>onRetry</c>, Polly keeping only its metrics.
/// </summary>
internal static class KafkaConsumerRetry
{
    private static readonly TelemetryOptions PollyMetricsOnly = new() { LoggerFactory = NullLoggerFactory.Instance };

    public static ResiliencePipeline UntilStopped(string name, TimeProvider timeProvider, TimeSpan firstDelay, TimeSpan maxDelay, bool jitter, Func<OnRetryArguments<object>, ValueTask> onRetry) =>
        new ResiliencePipelineBuilder { Name = name, TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = firstDelay,
                MaxDelay = maxDelay,
                UseJitter = jitter,
                OnRetry = onRetry,
            })
            .ConfigureTelemetry(PollyMetricsOnly)
            .Build();
}
