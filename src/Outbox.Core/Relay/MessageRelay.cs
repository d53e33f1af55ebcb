using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Outbox;

/// <summary>
/// One relay instance: claims a batch under a lease of its own, sends it, records the outcomes.
/// The store is resolved in a scope per pass (stores are usually scoped, like a DbContext).
/// </summary>
/// <remarks>
/// Fencing: the lease is counted on this process's monotonic clock from the moment the claim was
/// sent, which is never later than the database's start of that lease. The transport is given what
/// is left of it (less <see cref="SendMargin"/>) and sends nothing that could reach the broker
/// after that; a batch claimed too late to send safely is given back unsent.
/// </remarks>
internal sealed partial class MessageRelay : IMessageRelay
{
    /// <summary>What the relay keeps of its lease for itself: recording the outcome, and clocks that run at slightly different rates.</summary>
    internal static readonly TimeSpan SendMargin = TimeSpan.FromSeconds(1);

    private readonly IServiceScopeFactory scopeFactory;
    private readonly IOutboxTransport transport;
    private readonly OutboxOptions options;
    private readonly TimeProvider timeProvider;
    private readonly OutboxMetrics metrics;
    private readonly ILogger<MessageRelay> logger;
    private readonly ResiliencePipeline recordPipeline;
    private readonly SendOutcomes outcomes;
    private readonly string instance;
    private long claims;

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
        instance = NewInstanceName(this.options.RelayName);
        outcomes = new SendOutcomes(this.options, metrics, logger);

        // A few quick tries ride out a blip; a longer outage is the hosted loop's to back off from,
        // with the outcomes kept (see PendingOutcomes) so nothing waits for its lease needlessly.
        recordPipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                OnRetry = args =>
                {
                    Log.RecordRetry(this.logger, args.AttemptNumber + 1, args.Outcome.Exception);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>A name for one relay instance in lease owners: the relay name and a 12-digit random id.</summary>
    internal static string NewInstanceName(string relayName) => $"{relayName}/{Guid.NewGuid():N}"[..(relayName.Length + 13)];

    /// <summary>Gets this instance's name in lease owners: the relay name and a per-process id; each claim adds its number.</summary>
    public string Instance => instance;

    public async Task<int> RelayOnceAsync(CancellationToken cancellationToken = default)
    {
        var pending = new PendingOutcomes();
        int claimed = await PassAsync(pending, cancellationToken).ConfigureAwait(false);
        if (pending.Count > 0)
        {
            await RecordAsync(pending).ConfigureAwait(false);
        }

        return claimed;
    }

    /// <summary>
    /// One pass of the hosted loop: records <paramref name="pending"/> (the last pass's outcomes)
    /// together with this pass's claim, then sends and adds this pass's outcomes to it, to be
    /// recorded with the next claim (or by <see cref="RecordAsync"/> when no pass follows). A busy
    /// relay thus makes one database round trip per batch instead of two. When recording fails,
    /// each outcome is tried on its own: one the database refuses is dropped (its lease lapses and
    /// the message is claimed again later), the rest stay in <paramref name="pending"/>.
    /// </summary>
    /// <returns>How many messages the pass claimed.</returns>
    internal async Task<int> PassAsync(PendingOutcomes pending, CancellationToken cancellationToken)
    {
        long started = timeProvider.GetTimestamp();
        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        IOutboxStore store = scope.ServiceProvider.GetRequiredService<IOutboxStore>();

        var claim = new OutboxClaim($"{instance}/{Interlocked.Increment(ref claims)}", options.BatchSize, options.LeaseDuration, options.PreserveKeyOrder);
        long claimSent = timeProvider.GetTimestamp();
        IReadOnlyList<OutboxMessage> claimed;
        if (pending.Count == 0)
        {
            claimed = await store.ClaimAsync(claim, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            OutboxOutcome[] previous = pending.ToArray();
            try
            {
                // On PostgreSQL the call is one transaction, so a retry repeats nothing.
                (int applied, claimed) = await recordPipeline.ExecuteAsync(
                    static (state, token) => new ValueTask<(int, IReadOnlyList<OutboxMessage>)>(state.store.RecordOutcomesAndClaimAsync(state.previous, state.claim, token)),
                    (store, previous, claim),
                    CancellationToken.None).ConfigureAwait(false);
                pending.Clear();
                CheckApplied(applied, previous.Length);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await IsolateAsync(store, pending, ex).ConfigureAwait(false);
                throw;
            }
        }

        if (claimed.Count == 0)
        {
            return 0;
        }

        using Activity? activity = OutboxDiagnostics.ActivitySource.StartActivity("outbox relay");
        activity?.SetTag("outbox.batch.size", claimed.Count);
        metrics.Claimed.Add(claimed.Count);
        LogClaimed(claimed);

        TimeSpan sendWithin = options.LeaseDuration - timeProvider.GetElapsedTime(claimSent) - SendMargin;
        IReadOnlyList<OutboxSendResult> results;
        if (sendWithin < transport.Limits.MaxDeliveryTime)
        {
            // The claim took so long that a send could outlive the lease: give the batch back unsent.
            Log.LeaseTooShortToSend(logger, claimed.Count, timeProvider.GetElapsedTime(claimSent), options.LeaseDuration);
            results = Enumerable.Repeat(OutboxSendResult.NotSent, claimed.Count).ToArray();
        }
        else
        {
            results = await SendAsync(store, claimed, sendWithin, cancellationToken).ConfigureAwait(false);
        }

        pending.AddRange(outcomes.For(claim.LeaseOwner, claimed, results, stopping: cancellationToken.IsCancellationRequested), timeProvider.GetTimestamp());
        metrics.BatchDuration.Record(timeProvider.GetElapsedTime(started));
        return claimed.Count;
    }

    private async Task<IReadOnlyList<OutboxSendResult>> SendAsync(IOutboxStore store, IReadOnlyList<OutboxMessage> claimed, TimeSpan sendWithin, CancellationToken cancellationToken)
    {
        // Messages whose takeovers used up their attempts (sent, never confirmed) are not sent again.
        OutboxMessage[] toSend = claimed.Where(m => m.Attempts < options.MaxAttempts).ToArray();
        OutboxSendResult[] results;
        try
        {
            IReadOnlyList<OutboxSendResult> sent = toSend.Length == 0 ? [] : await transport.SendAsync(toSend, sendWithin, cancellationToken).ConfigureAwait(false);
            if (sent.Count != toSend.Length)
            {
                throw new InvalidOperationException($"The transport returned {sent.Count} results for {toSend.Length} messages.");
            }

            results = new OutboxSendResult[claimed.Count];
            for (int i = 0, j = 0; i < claimed.Count; i++)
            {
                results[i] = claimed[i].Attempts < options.MaxAttempts
                    ? sent[j++]
                    : OutboxSendResult.Failed($"sent {claimed[i].Attempts} times and never completed before its lease ended (in Consumer confirmation mode: never read back)");
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
            results = Enumerable.Repeat(OutboxSendResult.Failed(ex.Message), claimed.Count).ToArray();
        }

        return results;
    }

    /// <summary>Records outcomes on their own (after a single <see cref="RelayOnceAsync"/>, or when the hosted loop stops).</summary>
    internal async Task RecordAsync(PendingOutcomes pending)
    {
        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        IOutboxStore store = scope.ServiceProvider.GetRequiredService<IOutboxStore>();
        OutboxOutcome[] outcomes = pending.ToArray();
        try
        {
            int applied = await recordPipeline.ExecuteAsync(
                static (state, token) => new ValueTask<int>(state.store.RecordOutcomesAsync(state.outcomes, token)),
                (store, outcomes),
                CancellationToken.None).ConfigureAwait(false);
            pending.Clear();
            CheckApplied(applied, outcomes.Length);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await IsolateAsync(store, pending, ex).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// After a failed recording: tries each outcome on its own. Recorded ones leave
    /// <paramref name="pending"/>; one that fails while others succeed is one the database refuses
    /// and is dropped (its message is claimed again when its lease ends). When every one fails the
    /// database is away: they stay, until they are older than twice the lease.
    /// </summary>
    private async Task IsolateAsync(IOutboxStore store, PendingOutcomes pending, Exception failure)
    {
        int recorded = 0;
        var refused = new List<(OutboxOutcome Outcome, Exception Error)>();
        foreach (OutboxOutcome outcome in pending.ToArray())
        {
            try
            {
                await store.RecordOutcomesAsync([outcome], CancellationToken.None).ConfigureAwait(false);
                pending.Remove(outcome.MessageId);
                recorded++;
            }
#pragma warning disable CA1031 // Each outcome's failure is judged below; none may stop the others.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                refused.Add((outcome, ex));
            }
        }

        if (recorded > 0)
        {
            foreach ((OutboxOutcome outcome, Exception error) in refused)
            {
                pending.Remove(outcome.MessageId);
                Log.OutcomeUnrecordable(logger, outcome.MessageId, outcome.Status, error);
            }
        }
        else
        {
            int expired = pending.DropOlderThan(timeProvider.GetTimestamp(), 2 * options.LeaseDuration, timeProvider);
            if (expired > 0)
            {
                Log.OutcomesExpired(logger, expired, failure);
            }
        }
    }

    private void CheckApplied(int applied, int count)
    {
        if (applied != count)
        {
            Log.OutcomesRefused(logger, count - applied, instance);
        }
    }

    private async Task ReleaseAsync(IOutboxStore store, IReadOnlyList<OutboxMessage> claimed)
    {
        OutboxOutcome[] released = SendOutcomes.Released(claimed[0].LeaseOwner!, claimed);
        try
        {
            await store.RecordOutcomesAsync(released, CancellationToken.None).ConfigureAwait(false);
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
}
