using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Outbox.Kafka.Diagnostics;
using Outbox.Transport;
using Polly;
using Polly.Retry;
using Polly.Telemetry;

namespace Outbox.Kafka;

/// <summary>
/// Sends outbox messages with one long-lived idempotent Confluent.Kafka producer. A batch is
/// enqueued in the given order (same key → same partition → order kept by the idempotent
/// producer), then the delivery reports are awaited together.
/// </summary>
internal sealed partial class KafkaOutboxTransport : IOutboxTransport, IDisposable, IAsyncDisposable
{
    /// <summary>Margin over the delivery timeout: librdkafka fails expired messages on a 1 s scan.</summary>
    private static readonly TimeSpan ReportMargin = TimeSpan.FromSeconds(10);

    /// <summary>How late librdkafka may notice that a message's delivery timeout has passed.</summary>
    private static readonly TimeSpan TimeoutScan = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan QueueFullBackoff = TimeSpan.FromMilliseconds(20);

    /// <summary>How long an error code's repeats stay at Debug after its Warning (<see cref="ProducerErrorThrottle"/>).</summary>
    private static readonly TimeSpan ErrorWarningInterval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, string> config;
    private readonly bool confirmByConsumer;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly KafkaSendTelemetry telemetry;
    private readonly ProducerErrorThrottle errorWarnings;
    private readonly ResiliencePipeline<bool?> queueFullRetry;
    private readonly Lock gate = new();
    private IProducer<string?, byte[]>? producer;
    private volatile bool producerFailed;
    private bool disposed;

    /// <summary>A transport outside a host (tests, benchmarks): its meter has no relay name tag.</summary>
    public KafkaOutboxTransport(IOptions<OutboxKafkaOptions> options, TimeProvider timeProvider, ILogger<KafkaOutboxTransport> logger)
        : this(options, timeProvider, logger, new KafkaSendTelemetry(meterFactory: null, outboxOptions: null))
    {
    }

    public KafkaOutboxTransport(IOptions<OutboxKafkaOptions> options, TimeProvider timeProvider, ILogger<KafkaOutboxTransport> logger, KafkaSendTelemetry telemetry)
    {
        ArgumentNullException.ThrowIfNull(options);
        config = KafkaProducerSettings.Build(options.Value);
        confirmByConsumer = options.Value.ConfirmationMode == KafkaConfirmationMode.Consumer;
        MessageTimeout = KafkaProducerSettings.GetMessageTimeout(config);

        // A record produced at t reaches the broker by t + message.timeout.ms (librdkafka's delivery
        // limit, checked on a 1 s scan) + request.timeout.ms (a request already on the wire then).
        Limits = new OutboxTransportLimits(MessageTimeout + KafkaProducerSettings.GetRequestTimeout(config) + TimeoutScan, KafkaProducerSettings.GetMaxMessageBytes(config))
        {
            Topics = confirmByConsumer ? options.Value.ConfirmationTopics.ToHashSet(StringComparer.Ordinal) : null,
            ValidateTopic = KafkaTopicName.Validate,
        };
        this.timeProvider = timeProvider;
        errorWarnings = new ProducerErrorThrottle(timeProvider, ErrorWarningInterval);
        this.logger = logger;
        this.telemetry = telemetry;
        queueFullRetry = QueueFullRetry();
    }

    /// <inheritdoc/>
    public OutboxTransportLimits Limits { get; }

    /// <summary>Gets the effective producer configuration (user keys plus defaults).</summary>
    internal IReadOnlyDictionary<string, string> ProducerConfig => config;

    /// <summary>Gets the effective delivery timeout (<c>message.timeout.ms</c>).</summary>
    internal TimeSpan MessageTimeout { get; }

    /// <summary>Gets or sets how long a cancelled send (host stopping) waits for delivery reports already in flight; also the flush time on dispose. 5 seconds.</summary>
    internal TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, TimeSpan sendWithin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return [];
        }

        long started = timeProvider.GetTimestamp();
        IProducer<string?, byte[]> kafka = GetProducer();
        string? topic = SingleTopicOf(messages);
        using Activity? activity = telemetry.StartSend(messages, topic);

        // The last moment a message may be handed to librdkafka: it can reach the broker up to
        // Limits.MaxDeliveryTime later, and must do so within sendWithin.
        var window = new SendWindow(timeProvider, started, sendWithin - Limits.MaxDeliveryTime);
        var batch = new KafkaSendBatch(messages.Count);
        int next = 0;
        for (; next < messages.Count && !cancellationToken.IsCancellationRequested && window.IsOpen; next++)
        {
            if (!await ProduceAsync(kafka, messages[next], next, batch, window, cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }

        if (next < messages.Count)
        {
            // Not produced, so not on the broker: they go back unsent, in order (later ones of a key never overtake).
            Log.NotSent(logger, messages.Count - next, messages.Count, cancellationToken.IsCancellationRequested ? "the host is stopping" : "too little of the relay's lease was left");
        }

        for (int i = next; i < messages.Count; i++)
        {
            batch.Complete(i, OutboxSendResult.NotSent);
        }

        OutboxSendResult[] results = await AwaitReportsAsync(batch, messages.Count, cancellationToken).ConfigureAwait(false);
        Summarize(messages, results, topic, started, activity);
        if (confirmByConsumer)
        {
            // Acked by the broker, but the confirmation consumer completes it.
            for (int i = 0; i < results.Length; i++)
            {
                results[i] = results[i].Status == OutboxSendStatus.Delivered ? new OutboxSendResult(OutboxSendStatus.Sent) : results[i];
            }
        }

        return results;
    }

    /// <summary>Enqueues one message; returns <see langword="false"/> when it was not enqueued (cancelled, or the window closed while the local queue was full).</summary>
    private async ValueTask<bool> ProduceAsync(IProducer<string?, byte[]> kafka, OutboxMessage message, int index, KafkaSendBatch batch, SendWindow window, CancellationToken cancellationToken)
    {
        if (KafkaTopicName.Validate(message.Topic) is { } invalid)
        {
            batch.Complete(index, OutboxSendResult.Rejected($"invalid topic '{message.Topic}': {invalid}"));
            return true;
        }

        Message<string?, byte[]> kafkaMessage;
        try
        {
            kafkaMessage = new Message<string?, byte[]> { Key = message.Key, Value = message.Payload, Headers = HeadersOf(message) };
        }
        catch (JsonException ex)
        {
            batch.Complete(index, OutboxSendResult.Rejected($"the message's headers are not a JSON object of strings: {ex.Message}"));
            return true;
        }

        try
        {
            // A full local queue empties as delivery reports arrive: wait and produce again while the window is open.
            bool? produced = await queueFullRetry.ExecuteAsync(
                static (state, _) => ValueTask.FromResult(state.Window.IsOpen ? TryProduce(state.Kafka, state.Message.Topic, state.KafkaMessage, state.Batch, state.Index) : false),
                (Kafka: kafka, Message: message, KafkaMessage: kafkaMessage, Batch: batch, Index: index, Window: window),
                cancellationToken).ConfigureAwait(false);
            return produced == true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (ProduceException<string?, byte[]> ex)
        {
            // Known before sending: too large, unknown topic, … (rejected); producer state errors stay retriable.
            batch.Complete(index, KafkaErrors.ToResult(ex.Error));
            return true;
        }
        catch (ArgumentException ex)
        {
            batch.Complete(index, OutboxSendResult.Rejected(ex.Message));
            return true;
        }
    }

    /// <summary>Hands one message to librdkafka: <see langword="true"/> when it took it, <see langword="null"/> when its local queue is full.</summary>
    private static bool? TryProduce(IProducer<string?, byte[]> kafka, string topic, Message<string?, byte[]> message, KafkaSendBatch batch, int index)
    {
        try
        {
            kafka.Produce(topic, message, batch.HandlerFor(index));
            return true;
        }
        catch (ProduceException<string?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            return null;
        }
    }

    /// <summary>Produces again every <see cref="QueueFullBackoff"/> while the local queue is full (<see langword="null"/>); the callback stops once the window closes.</summary>
    private ResiliencePipeline<bool?> QueueFullRetry() =>
        new ResiliencePipelineBuilder<bool?> { Name = "outbox-kafka-queue-full", TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions<bool?>
            {
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is null && args.Outcome.Result is null),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Constant,
                Delay = QueueFullBackoff,
                UseJitter = false,
                OnRetry = _ =>
                {
                    Log.QueueFull(logger);
                    return default;
                },
            })
            .ConfigureTelemetry(PollyMetricsOnly) // Polly's metrics; each wait is logged once, above
            .Build();

    private static readonly TelemetryOptions PollyMetricsOnly = new() { LoggerFactory = NullLoggerFactory.Instance };

    private async Task<OutboxSendResult[]> AwaitReportsAsync(KafkaSendBatch batch, int count, CancellationToken cancellationToken)
    {
        TimeSpan ceiling = MessageTimeout + ReportMargin;
        try
        {
            await batch.Completion.WaitAsync(ceiling, timeProvider, cancellationToken).ConfigureAwait(false);
            return batch.Close("no delivery report");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: give the reports already in flight a short grace so the relay can record what was delivered.
            try
            {
                await batch.Completion.WaitAsync(StopGracePeriod, timeProvider, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            OutboxSendResult[] results = batch.Close("cancelled: host stopping before the broker answered");
            int unfinished = batch.Completion.IsCompleted ? 0 : CountFailed(results);
            if (unfinished > 0)
            {
                Log.CancelledWithUnfinished(logger, unfinished, count);
            }

            return results;
        }
        catch (TimeoutException)
        {
            OutboxSendResult[] results = batch.Close($"no delivery report within {ceiling}");
            Log.NoDeliveryReport(logger, CountFailed(results), count, ceiling);
            return results;
        }
    }

    private static Headers HeadersOf(OutboxMessage message)
    {
        var headers = new Headers { { OutboxHeaderNames.MessageId, Encoding.UTF8.GetBytes(message.Id.ToString("D")) } };
        if (message.Type is not null)
        {
            headers.Add(OutboxHeaderNames.MessageType, Encoding.UTF8.GetBytes(message.Type));
        }

        foreach (KeyValuePair<string, string> header in message.ReadHeaders())
        {
            if (header.Key is not (OutboxHeaderNames.MessageId or OutboxHeaderNames.MessageType))
            {
                headers.Add(header.Key, Encoding.UTF8.GetBytes(header.Value));
            }
        }

        return headers;
    }

    /// <summary>
    /// Builds the producer and loads the cluster metadata ahead of the first send, so the first
    /// committed event does not pay for connecting (about a second on the mock cluster).
    /// Best effort: a broker that is down now is simply connected to later.
    /// </summary>
    internal void WarmUp()
    {
        try
        {
            IProducer<string?, byte[]> kafka = GetProducer();
            using IAdminClient admin = new DependentAdminClientBuilder(kafka.Handle).Build();
            _ = admin.GetMetadata(TimeSpan.FromSeconds(5));
        }
        catch (KafkaException ex)
        {
            Log.WarmUpFailed(logger, ex.Error.Code, ex.Error.Reason);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private IProducer<string?, byte[]> GetProducer()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (producer is not null && !producerFailed)
            {
                return producer;
            }

            // A fatal error (idempotence broken) leaves the old producer unusable: replace it.
            producer?.Dispose();
            producer = null;
            producerFailed = false;
            IProducer<string?, byte[]> created = new ProducerBuilder<string?, byte[]>(config)
                .SetKeySerializer(Serializers.Utf8)
                .SetValueSerializer(Serializers.ByteArray)
                .SetErrorHandler(OnError)
                .SetLogHandler(OnLog)
                .Build();
            producer = created;
            Log.ProducerCreated(logger, created.Name, config.GetValueOrDefault(KafkaProducerSettings.BootstrapServers));
            return created;
        }
    }

    private void OnError(IProducer<string?, byte[]> source, Error error)
    {
        if (error.IsFatal)
        {
            Log.ProducerFatal(logger, source.Name, error.Code, error.Reason);
            if (ReferenceEquals(source, producer))
            {
                producerFailed = true;
            }
        }
        else if (errorWarnings.ShouldWarn(error.Code, out int repeats))
        {
            Log.ProducerError(logger, source.Name, error.Code, error.Reason, repeats, ErrorWarningInterval);
        }
        else
        {
            Log.ProducerErrorRepeated(logger, source.Name, error.Code, error.Reason);
        }
    }

    private void OnLog(IProducer<string?, byte[]> source, LogMessage message)
    {
        LogLevel level = message.Level switch
        {
            <= SyslogLevel.Error => LogLevel.Debug, // the same failure reaches OnError, which logs it once (a broker connect failure was two lines)
            SyslogLevel.Warning => LogLevel.Warning,
            <= SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        Log.Librdkafka(logger, level, message.Facility, message.Message);
    }

    private void Summarize(IReadOnlyList<OutboxMessage> messages, OutboxSendResult[] results, string? topic, long started, Activity? activity)
    {
        TimeSpan elapsed = timeProvider.GetElapsedTime(started);
        int delivered = 0, failed = 0, rejected = 0;
        foreach (OutboxSendResult result in results)
        {
            switch (result.Status)
            {
                case OutboxSendStatus.Delivered: delivered++; break;
                case OutboxSendStatus.Rejected: rejected++; break;
                default: failed++; break;
            }
        }

        if (activity is not null && delivered != results.Length)
        {
            activity.SetStatus(ActivityStatusCode.Error, $"{failed} failed, {rejected} rejected of {results.Length}");
        }

        if (delivered > 0)
        {
            errorWarnings.Recovered();
        }

        telemetry.Finished(activity, messages, results, topic, elapsed);
        if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.BatchSent(logger, results.Length, topic ?? string.Join(",", messages.Select(m => m.Topic).Distinct(StringComparer.Ordinal)), delivered, failed, rejected, elapsed.TotalMilliseconds);
        }
    }

    private static int CountFailed(OutboxSendResult[] results) => results.Count(r => r.Status == OutboxSendStatus.Failed);

    /// <summary>The batch's topic, or <see langword="null"/> when it has messages for several.</summary>
    private static string? SingleTopicOf(IReadOnlyList<OutboxMessage> messages)
    {
        string first = messages[0].Topic;
        for (int i = 1; i < messages.Count; i++)
        {
            if (messages[i].Topic != first)
            {
                return null;
            }
        }

        return first;
    }

    public void Dispose()
    {
        IProducer<string?, byte[]>? toDispose;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            toDispose = producer;
            producer = null;
        }

        if (toDispose is not null)
        {
            // Messages still queued (none, after the relay has stopped) get a short chance to go out.
            toDispose.Flush(StopGracePeriod);
            toDispose.Dispose();
        }
    }

    public ValueTask DisposeAsync() => new(Task.Run(Dispose));
}
