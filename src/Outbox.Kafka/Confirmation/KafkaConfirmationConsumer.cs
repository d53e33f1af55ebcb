using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outbox.Transport;
using Polly;

namespace Outbox.Kafka.Confirmation;

/// <summary>
/// The confirmation consumer (<see cref="KafkaConfirmationMode.Consumer"/>): a dedicated consumer
/// group reads the outbox's topics and completes every message it sees, by its message id
/// header. Confirmations are recorded in batches, and offsets are committed only after the
/// store has recorded them, so a crash re-reads rather than loses a confirmation.
/// </summary>
internal sealed partial class KafkaConfirmationConsumer(
    IOptions<OutboxKafkaOptions> options,
    IOutboxConfirmations confirmations,
    TimeProvider timeProvider,
    ILogger<KafkaConfirmationConsumer> logger) : BackgroundService
{
    private const int MaxBatch = 1_000;
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(50);

    /// <summary>The first wait after a failed store call; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        OutboxKafkaOptions settings = options.Value;
        if (settings.ConfirmationMode != KafkaConfirmationMode.Consumer)
        {
            return Task.CompletedTask;
        }

        // Consume blocks its thread for the host's lifetime: a thread of its own, not one of the pool's.
        return Task.Factory.StartNew(() => Run(settings, stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Run(OutboxKafkaOptions settings, CancellationToken stoppingToken)
    {
        using IConsumer<Ignore, Ignore> consumer = new ConsumerBuilder<Ignore, Ignore>(ConsumerConfigOf(settings))
            .SetErrorHandler((_, error) => Log.ConsumerError(logger, error.Code, error.Reason))
            .Build();
        consumer.Subscribe(settings.ConfirmationTopics);
        Log.Started(logger, settings.ConfirmationGroupId, string.Join(",", settings.ConfirmationTopics));
        var pending = new List<Guid>(MaxBatch);
        ResiliencePipeline retry = RetryPipeline(pending);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Drain what is there, then record it in one store call.
                ConsumeResult<Ignore, Ignore>? result = consumer.Consume(PollTimeout);
                while (result is not null)
                {
                    if (KafkaMessageIdHeader.Read(result.Message?.Headers) is { } id)
                    {
                        pending.Add(id);
                    }

                    result = pending.Count < MaxBatch ? consumer.Consume(TimeSpan.Zero) : null;
                }

                if (pending.Count > 0)
                {
                    // This thread waits for the store in any case (offsets are committed only after
                    // it recorded the batch), so it waits here rather than handing the batch over.
                    retry.ExecuteAsync(static (state, ct) => new ValueTask<int>(state.Confirmations.ConfirmAsync(state.Pending, ct)), (Confirmations: confirmations, Pending: pending), stoppingToken)
                        .AsTask().GetAwaiter().GetResult();
                    consumer.Commit();
                    pending.Clear();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: unconfirmed reads are not committed and are read again next time.
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <summary>While the database is down: keep the batch (offsets stay uncommitted) and try again, 200 ms doubling to 10 s.</summary>
    private ResiliencePipeline RetryPipeline(List<Guid> pending) =>
        KafkaConsumerRetry.UntilStopped("outbox-kafka-confirmation", timeProvider, FirstRetryDelay, MaxRetryDelay, jitter: false, args =>
        {
            Log.ConfirmFailed(logger, pending.Count, args.RetryDelay, args.Outcome.Exception!);
            return default;
        });

    /// <summary>
    /// The consumer's configuration: <see cref="OutboxKafkaOptions.Consumer"/> as given, and for
    /// what it leaves unset the producer's connection and security settings (bootstrap servers,
    /// <c>security.protocol</c>, <c>sasl.*</c>, <c>ssl.*</c>, <c>client.dns.lookup</c>), so it reaches
    /// the same cluster as the same principal. The inbox consumers use it too, with their own
    /// <paramref name="groupId"/>.
    /// </summary>
    internal static ConsumerConfig ConsumerConfigOf(OutboxKafkaOptions settings, string? groupId = null)
    {
        var config = new ConsumerConfig(settings.Consumer.ToDictionary(p => p.Key, p => p.Value));
        foreach ((string key, string value) in KafkaProducerSettings.Canonical(settings.Producer))
        {
            if (IsConnectionSetting(key) && config.Get(key) is null)
            {
                config.Set(key, value);
            }
        }

        config.BootstrapServers ??= settings.BootstrapServers;
        config.GroupId = groupId ?? config.GroupId ?? settings.ConfirmationGroupId;
        config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
        config.EnableAutoCommit = false;
        return config;
    }

    private static bool IsConnectionSetting(string key) =>
        key is KafkaProducerSettings.BootstrapServers or "security.protocol" or "client.dns.lookup" or "client.rack"
        || key.StartsWith("sasl.", StringComparison.Ordinal)
        || key.StartsWith("ssl.", StringComparison.Ordinal);
}
