using Concert.Application;
using Concert.Infrastructure.Persistence;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;

namespace Concert.Infrastructure.Kafka;

/// <summary>
/// A consumer group that reads the app's topics and hands each event to <see cref="HandleAsync"/>
/// once per message id. It runs on its own long-running thread (the Confluent consumer is a
/// blocking API), commits a message's offset only after it is handled, retries a failing handler
/// until it succeeds or the host stops, and leaves the group cleanly on stop.
/// </summary>
internal abstract partial class ConcertEventConsumer(
    KafkaConnection kafka,
    IServiceScopeFactory scopeFactory,
    TimeProvider clock,
    ILogger logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>Gets the consumer group id: each group gets every event.</summary>
    public abstract string GroupId { get; }

    /// <summary>Acts on one event. Runs in its own service scope; throw to have it retried.</summary>
    protected abstract Task HandleAsync(ReceivedEvent received, IServiceProvider services, CancellationToken cancellationToken);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = GroupId,
            ClientId = $"concert-{GroupId}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false, // committed after handling: at-least-once
        };

        using IConsumer<string?, byte[]> consumer = new ConsumerBuilder<string?, byte[]>(config)
            .SetKeyDeserializer(Deserializers.Utf8)
            .SetValueDeserializer(Deserializers.ByteArray)
            .SetErrorHandler((_, error) => LogKafkaError(logger, GroupId, error.Code, error.Reason))
            .SetLogHandler((_, message) => LogLibrdkafka(logger, GroupId, message.Facility, message.Message))
            .Build();
        consumer.Subscribe(ConcertTopics.All);
        LogStarted(logger, GroupId, string.Join(", ", ConcertTopics.All));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]>? result = ConsumeNext(consumer, stoppingToken);
                if (result?.Message is null)
                {
                    continue;
                }

                // This thread is ours and has no synchronization context: waiting here blocks nothing else.
                ProcessAsync(result, stoppingToken).GetAwaiter().GetResult();
                Commit(consumer, result);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the message in hand (if any) stays uncommitted and is read again next time.
        }
        finally
        {
            consumer.Close();
            LogStopped(logger, GroupId);
        }
    }

    private ConsumeResult<string?, byte[]>? ConsumeNext(IConsumer<string?, byte[]> consumer, CancellationToken stoppingToken)
    {
        try
        {
            return consumer.Consume(stoppingToken);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            // For example a topic that does not exist yet on a real cluster: say so and keep polling.
            LogKafkaError(logger, GroupId, ex.Error.Code, ex.Error.Reason);
            stoppingToken.WaitHandle.WaitOne(FirstRetryDelay);
            return null;
        }
    }

    private void Commit(IConsumer<string?, byte[]> consumer, ConsumeResult<string?, byte[]> result)
    {
        try
        {
            consumer.Commit(result);
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            // For example a rebalance took the partition away: the message comes again and the de-duplication drops it.
            LogKafkaError(logger, GroupId, ex.Error.Code, ex.Error.Reason);
        }
    }

    private async Task ProcessAsync(ConsumeResult<string?, byte[]> result, CancellationToken stoppingToken)
    {
        if (!ConcertEventDecoder.TryDecode(result, out ReceivedEvent? received, out string? problem))
        {
            // A message no retry can fix: skip it (its offset is committed) rather than block the partition.
            LogUndecodable(logger, GroupId, result.Topic, result.Partition.Value, result.Offset.Value, problem);
            return;
        }

        TimeSpan delay = FirstRetryDelay;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await HandleOnceAsync(received!, stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogHandlerFailed(logger, ex, GroupId, received!.EventType, received.MessageId, attempt, delay);
                await Task.Delay(delay, clock, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    private async Task HandleOnceAsync(ReceivedEvent received, CancellationToken stoppingToken)
    {
        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        ConcertDbContext db = scope.ServiceProvider.GetRequiredService<ConcertDbContext>();
        if (await db.ConsumedMessages.AnyAsync(m => m.ConsumerGroup == GroupId && m.MessageId == received.MessageId, stoppingToken))
        {
            LogDuplicate(logger, GroupId, received.EventType, received.MessageId, received.Partition, received.Offset);
            return;
        }

        LogReceived(logger, GroupId, received.EventType, received.MessageId, received.Topic, received.Partition, received.Offset);
        await HandleAsync(received, scope.ServiceProvider, stoppingToken);
        db.ConsumedMessages.Add(new ConsumedMessage { ConsumerGroup = GroupId, MessageId = received.MessageId, ConsumedAt = clock.GetUtcNow() });
        await db.SaveChangesAsync(stoppingToken);
    }
}
