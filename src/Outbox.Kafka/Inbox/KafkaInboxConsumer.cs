using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outbox.Inbox;
using Outbox.Kafka.Confirmation;
using Polly;

namespace Outbox.Kafka.Inbox;

/// <summary>
/// A consumer group that hands each record to <typeparamref name="THandler"/> once per
/// <c>outbox-message-id</c>: per record a service scope, and in it one transaction that records
/// the id in the inbox (<see cref="IOutboxInbox.HandleOnceAsync"/>), runs the handler and saves its
/// changes; the offset is committed only after that transaction committed. A crash between the
/// two reads the record again and the inbox skips it. Records are handled one at a time on a
/// thread of the consumer's own, so a rebalance (whose callbacks run inside <c>Consume</c>, on this
/// thread) never takes a partition away from a record in the middle of its transaction. A failing
/// handler is retried with backoff until it succeeds or the host stops; stopping rolls back the
/// record in hand and leaves the group.
/// </summary>
internal sealed partial class KafkaInboxConsumer<THandler>(
    KafkaInboxConsumerSettings settings,
    IOptions<OutboxKafkaOptions> kafkaOptions,
    IServiceScopeFactory scopeFactory,
    KafkaInboxMetrics metrics,
    TimeProvider timeProvider,
    ILogger<KafkaInboxConsumer<THandler>> logger) : BackgroundService
    where THandler : class, IKafkaInboxHandler
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ConsumerConfig config = KafkaConfirmationConsumer.ConsumerConfigOf(kafkaOptions.Value, settings.GroupId);
        if (string.IsNullOrEmpty(config.BootstrapServers))
        {
            throw new InvalidOperationException($"The inbox consumer {settings.GroupId} has no bootstrap servers. Call UseKafka(o => o.BootstrapServers = \"host:9092\") (or set OutboxKafkaOptions.Consumer.BootstrapServers).");
        }

        using (IServiceScope scope = scopeFactory.CreateScope())
        {
            if (scope.ServiceProvider.GetService<IOutboxInbox>() is null)
            {
                throw new InvalidOperationException($"The inbox consumer {settings.GroupId} needs an inbox store. Call UseEntityFrameworkCore<TContext>() on the outbox builder and modelBuilder.AddOutboxInbox() in the context's OnModelCreating.");
            }
        }

        // Consume blocks its thread for the host's lifetime: a thread of its own, not one of the pool's.
        return Task.Factory.StartNew(() => Run(config, stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Run(ConsumerConfig config, CancellationToken stoppingToken)
    {
        using IConsumer<string?, byte[]> consumer = new ConsumerBuilder<string?, byte[]>(config)
            .SetKeyDeserializer(Deserializers.Utf8)
            .SetValueDeserializer(Deserializers.ByteArray)
            .SetErrorHandler((_, error) => Log.ConsumerError(logger, settings.GroupId, error.Code, error.Reason))
            .SetPartitionsAssignedHandler((_, partitions) => Log.Assigned(logger, settings.GroupId, string.Join(",", partitions)))
            .SetPartitionsRevokedHandler((_, partitions) => Log.Revoked(logger, settings.GroupId, string.Join(",", partitions.Select(p => p.TopicPartition))))
            .SetPartitionsLostHandler((_, partitions) => Log.Lost(logger, settings.GroupId, string.Join(",", partitions.Select(p => p.TopicPartition))))
            .Build();
        consumer.Subscribe(settings.Topics);
        Log.Started(logger, settings.GroupId, string.Join(",", settings.Topics), typeof(THandler).Name);
        ResiliencePipeline retry = RetryPipeline();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]>? record = ConsumeNext(consumer, stoppingToken);
                if (record?.Message is null)
                {
                    continue;
                }

                // This thread is ours and has no synchronization context: waiting here blocks nothing else.
                string outcome = retry.ExecuteAsync(static (state, ct) => state.Consumer.HandleAsync(state.Record, ct), (Consumer: this, Record: record), stoppingToken)
                    .AsTask().GetAwaiter().GetResult();
                metrics.Count(settings.GroupId, outcome);
                Commit(consumer, record);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the record in hand (if any) was rolled back, its offset is not committed, and it is read again next time.
        }
        finally
        {
            consumer.Close();
            Log.Stopped(logger, settings.GroupId);
        }
    }

    /// <summary>Handles one record in a scope and transaction of its own.</summary>
    /// <returns>The outcome, as <see cref="KafkaInboxMetrics"/> counts it.</returns>
    private async ValueTask<string> HandleAsync(ConsumeResult<string?, byte[]> record, CancellationToken cancellationToken)
    {
        Guid? id = KafkaMessageIdHeader.Read(record.Message.Headers);
        if (id is null)
        {
            Log.Unidentified(logger, settings.GroupId, record.Topic, record.Partition.Value, record.Offset.Value, OutboxHeaderNames.MessageId);
        }

        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        IOutboxInbox inbox = scope.ServiceProvider.GetRequiredService<IOutboxInbox>();
        THandler handler = scope.ServiceProvider.GetRequiredService<THandler>();
        bool handled = await inbox.HandleOnceAsync(settings.GroupId, id, ct => handler.HandleAsync(record, ct), cancellationToken).ConfigureAwait(false);
        if (!handled)
        {
            Log.Duplicate(logger, settings.GroupId, id!.Value, record.Topic, record.Partition.Value, record.Offset.Value);
            return KafkaInboxMetrics.Duplicate;
        }

        return id is null ? KafkaInboxMetrics.Unidentified : KafkaInboxMetrics.Handled;
    }

    private ConsumeResult<string?, byte[]>? ConsumeNext(IConsumer<string?, byte[]> consumer, CancellationToken stoppingToken)
    {
        try
        {
            return consumer.Consume(stoppingToken);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            // For example a topic that does not exist yet, or a record whose key is not UTF-8: say so and go on.
            Log.ConsumerError(logger, settings.GroupId, ex.Error.Code, ex.Error.Reason);
            stoppingToken.WaitHandle.WaitOne(FirstRetryDelay);
            return null;
        }
    }

    private void Commit(IConsumer<string?, byte[]> consumer, ConsumeResult<string?, byte[]> record)
    {
        try
        {
            consumer.Commit(record);
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            // For example a rebalance took the partition away: the record comes again and the inbox skips it.
            Log.CommitFailed(logger, settings.GroupId, ex.Error.Code, ex.Error.Reason);
        }
    }

    /// <summary>A failing handler or database: try the record again, 1 s doubling to 30 s (with jitter), until it succeeds or the host stops.</summary>
    private ResiliencePipeline RetryPipeline() =>
        KafkaConsumerRetry.UntilStopped("outbox-kafka-inbox", timeProvider, FirstRetryDelay, MaxRetryDelay, jitter: true, args =>
        {
            Log.HandlerFailed(logger, settings.GroupId, typeof(THandler).Name, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception!);
            return default;
        });
}
