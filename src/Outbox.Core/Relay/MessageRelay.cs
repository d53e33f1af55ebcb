using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Outbox;

/// <summary>
/// One relay instance: claims a batch under its own lease, sends it, records the outcomes.
/// The store is resolved in a scope per pass (stores are usually scoped, like a DbContext).
/// </summary>
internal sealed partial class MessageRelay : IMessageRelay
{
    private const int MaxErrorLength = 2000;

    private readonly IServiceScopeFactory scopeFactory;
    private readonly IOutboxTransport transport;
    private readonly OutboxOptions options;
    private readonly TimeProvider timeProvider;
    private readonly OutboxMetrics metrics;
    private readonly ILogger<MessageRelay> logger;
    private readonly ResiliencePipeline recordPipeline;

    public MessageRelay(
        IServiceScopeFactory scopeFactory,
        IOutboxTransport transport,
        IOptions<OutboxOptions> options,
        TimeProvider timeProvider,
        OutboxMetrics metrics,
        ILogger<MessageRelay> logger)
    {
        this.scopeFactory = scopeFactory;
        this.transport = transport;
        this.options = options.Value;
        this.timeProvider = timeProvider;
        this.metrics = metrics;
        this.logger = logger;
        LeaseOwner = $"{this.options.RelayName}/{Guid.NewGuid():N}";

        // Recording outcomes must outlast a database outage for as long as the lease lasts: a
        // lost COMPLETE means the message waits for the lease and is sent again.
        recordPipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                MaxRetryAttempts = Math.Max(8, (int)(this.options.LeaseDuration / TimeSpan.FromSeconds(5)) + 4),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(5),
                OnRetry = args =>
                {
                    Log.RecordRetry(this.logger, args.AttemptNumber + 1, args.Outcome.Exception);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Gets this instance's lease owner: the relay name plus a per-process id.</summary>
    public string LeaseOwner { get; }

    public async Task<int> RelayOnceAsync(CancellationToken cancellationToken = default)
    {
        var outcomes = new List<OutboxOutcome>();
        int claimed = await PassAsync(outcomes, cancellationToken).ConfigureAwait(false);
        if (outcomes.Count > 0)
        {
            await RecordAsync(outcomes).ConfigureAwait(false);
        }

        return claimed;
    }

    /// <summary>
    /// One pass of the hosted loop: records <paramref name="pending"/> (the last pass's outcomes)
    /// together with this pass's claim and clears it, then sends and adds this pass's outcomes to
    /// it, to be recorded with the next claim (or by <see cref="RecordAsync"/> when no pass
    /// follows). A busy relay thus makes one database round trip per batch instead of two. When
    /// recording fails, <paramref name="pending"/> keeps the outcomes for the next try.
    /// </summary>
    /// <returns>How many messages the pass claimed.</returns>
    internal async Task<int> PassAsync(List<OutboxOutcome> pending, CancellationToken cancellationToken)
    {
        long started = timeProvider.GetTimestamp();
        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        IOutboxStore store = scope.ServiceProvider.GetRequiredService<IOutboxStore>();

        DateTimeOffset now = timeProvider.GetUtcNow();
        var claim = new OutboxClaim(LeaseOwner, options.BatchSize, now, now + options.LeaseDuration, options.PreserveKeyOrder);
        IReadOnlyList<OutboxMessage> claimed;
        if (pending.Count == 0)
        {
            claimed = await store.ClaimAsync(claim, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Retried like any recording; on PostgreSQL the call is one transaction, so a retry repeats nothing.
            OutboxOutcome[] previous = [.. pending];
            (int applied, claimed) = await recordPipeline.ExecuteAsync(
                static (state, token) => new ValueTask<(int, IReadOnlyList<OutboxMessage>)>(state.store.RecordOutcomesAndClaimAsync(state.LeaseOwner, state.previous, state.claim, token)),
                (store, LeaseOwner, previous, claim),
                CancellationToken.None).ConfigureAwait(false);
            pending.Clear();
            CheckApplied(applied, previous.Length);
        }

        if (claimed.Count == 0)
        {
            return 0;
        }

        using Activity? activity = OutboxDiagnostics.ActivitySource.StartActivity("outbox relay");
        activity?.SetTag("outbox.batch.size", claimed.Count);
        metrics.Claimed.Add(claimed.Count);
        LogClaimed(claimed);

        IReadOnlyList<OutboxSendResult> results;
        try
        {
            results = await transport.SendAsync(claimed, cancellationToken).ConfigureAwait(false);
            if (results.Count != claimed.Count)
            {
                throw new InvalidOperationException($"The transport returned {results.Count} results for {claimed.Count} messages.");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: give the claims back so the next relay need not wait for the lease.
            await ReleaseAsync(store, claimed).ConfigureAwait(false);
            throw;
        }
#pragma warning disable CA1031 // A transport bug or outage must not lose the batch: every message is retried.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.SendFailed(logger, claimed.Count, ex);
            var failed = OutboxSendResult.Failed(ex.Message);
            results = Enumerable.Repeat(failed, claimed.Count).ToArray();
        }

        pending.AddRange(ToOutcomes(claimed, results, timeProvider.GetUtcNow(), stopping: cancellationToken.IsCancellationRequested));
        metrics.BatchDuration.Record(timeProvider.GetElapsedTime(started).TotalMilliseconds);
        return claimed.Count;
    }

    /// <summary>Records outcomes on their own (after a single <see cref="RelayOnceAsync"/>, or when the hosted loop stops), retried for about the lease.</summary>
    internal async Task RecordAsync(IReadOnlyList<OutboxOutcome> outcomes)
    {
        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        IOutboxStore store = scope.ServiceProvider.GetRequiredService<IOutboxStore>();
        int applied = await recordPipeline.ExecuteAsync(
            static (state, token) => new ValueTask<int>(state.store.RecordOutcomesAsync(state.LeaseOwner, state.outcomes, token)),
            (store, LeaseOwner, outcomes),
            CancellationToken.None).ConfigureAwait(false);
        CheckApplied(applied, outcomes.Count);
    }

    private void CheckApplied(int applied, int count)
    {
        if (applied != count)
        {
            Log.OutcomesRefused(logger, count - applied, LeaseOwner);
        }
    }

    private List<OutboxOutcome> ToOutcomes(IReadOnlyList<OutboxMessage> claimed, IReadOnlyList<OutboxSendResult> results, DateTimeOffset now, bool stopping)
    {
        var outcomes = new List<OutboxOutcome>(claimed.Count);
        int delivered = 0, failed = 0, dead = 0;

        // One jitter per batch: a batch that failed together retries together (one claim, and one
        // outcome statement where the store groups equal outcomes); relays still differ.
        double jitter = Random.Shared.NextDouble();
        for (int i = 0; i < claimed.Count; i++)
        {
            OutboxMessage message = claimed[i];
            OutboxSendResult result = results[i];
            OutboxStatus status;
            int attempts = message.Attempts;
            DateTimeOffset next = message.NextAttemptAt;
            string? error = result.Error;
            switch (result.Status)
            {
                case OutboxSendStatus.Sent:
                    // Stays PUBLISH under this relay's lease until a confirmation completes it.
                    Log.AwaitingConfirmation(logger, message.Id, message.Topic);
                    continue;
                case OutboxSendStatus.Delivered:
                    status = OutboxStatus.Complete;
                    delivered++;
                    Log.Completed(logger, message.Id, message.Topic, message.Key);
                    break;
                case OutboxSendStatus.Rejected:
                    status = OutboxStatus.Dead;
                    attempts++;
                    dead++;
                    Log.Rejected(logger, message.Id, message.Topic, result.Error);
                    break;
                case OutboxSendStatus.Failed when stopping:
                    // The host is stopping: what was not sent goes back unchanged, due now, for the next relay.
                    status = OutboxStatus.Init;
                    next = now;
                    error = null;
                    Log.ReleasedOne(logger, message.Id, message.Topic);
                    break;
                default:
                    attempts++;
                    if (attempts >= options.MaxAttempts)
                    {
                        status = OutboxStatus.Dead;
                        dead++;
                        Log.AttemptsExhausted(logger, message.Id, message.Topic, attempts, result.Error);
                    }
                    else
                    {
                        status = OutboxStatus.Init;
                        next = now + RetryBackoff.DelayFor(attempts, options.RetryDelay, options.MaxRetryDelay, jitter);
                        failed++;
                        Log.WillRetry(logger, message.Id, message.Topic, attempts, next, result.Error);
                    }

                    break;
            }

            OutboxStateMachine.EnsureTransition(OutboxStatus.Publish, status);
            outcomes.Add(new OutboxOutcome(message.Id, status, attempts, next, Truncate(error), now));
        }

        metrics.Delivered.Add(delivered);
        metrics.Failed.Add(failed);
        metrics.Dead.Add(dead);
        return outcomes;
    }

    private async Task ReleaseAsync(IOutboxStore store, IReadOnlyList<OutboxMessage> claimed)
    {
        DateTimeOffset now = timeProvider.GetUtcNow();
        OutboxOutcome[] released = claimed
            .Select(m => new OutboxOutcome(m.Id, OutboxStatus.Init, m.Attempts, now, null, now))
            .ToArray();
        try
        {
            await store.RecordOutcomesAsync(LeaseOwner, released, CancellationToken.None).ConfigureAwait(false);
            Log.Released(logger, released.Length);
        }
#pragma warning disable CA1031 // Best effort: the lease expires anyway.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ReleaseFailed(logger, released.Length, ex);
        }
    }

    private void LogClaimed(IReadOnlyList<OutboxMessage> claimed)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            foreach (OutboxMessage message in claimed)
            {
                Log.Claimed(logger, message.Id, message.Topic, message.Key, message.Attempts);
            }
        }
    }

    private static string? Truncate(string? error) =>
        error is null || error.Length <= MaxErrorLength ? error : error[..MaxErrorLength];
}
