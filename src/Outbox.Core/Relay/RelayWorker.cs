using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Outbox.Diagnostics;
using Outbox.Storage;
using Outbox.Transport;
using Polly;

namespace Outbox.Relay;

/// <summary>
/// One relay loop's pipeline, and the only code that runs it: take a batch from the source
/// (recording the outcomes still pending in the same call), send it (<see cref="RelaySender"/>),
/// turn the results into outcomes (<see cref="SendOutcomes"/>), keep those pending for the next
/// call. The worker owns its pending outcomes; nobody else touches them. When recording fails,
/// each outcome is tried on its own: one the database refuses is dropped (its lease lapses and the
/// message is claimed again later), the rest stay pending until they are older than twice the lease.
/// </summary>
internal sealed partial class RelayWorker(
    IRelayBatchSource source,
    RelaySender sender,
    SendOutcomes outcomes,
    ResiliencePipeline recordRetry,
    OutboxOptions options,
    TimeProvider timeProvider,
    OutboxMetrics metrics,
    ILogger logger)
{
    private readonly PendingOutcomes pending = new();

    /// <summary>Gets how many outcomes wait to be recorded with the next batch.</summary>
    public int PendingCount => pending.Count;

    /// <summary>Gets the outcomes waiting to be recorded, oldest first.</summary>
    public IReadOnlyList<OutboxOutcome> Pending => pending.ToArray();

    /// <summary>One pass: records what is pending and takes a batch, sends it, and keeps its outcomes pending.</summary>
    /// <param name="cancellationToken">Cancelled when the host stops: a batch taken but not sent is given back.</param>
    /// <returns>How many messages the pass took.</returns>
    public async Task<int> PassAsync(CancellationToken cancellationToken)
    {
        long started = timeProvider.GetTimestamp();
        RelayBatch batch = await TakeAsync(cancellationToken).ConfigureAwait(false);
        if (batch.Count == 0)
        {
            return 0;
        }

        using Activity? activity = OutboxDiagnostics.ActivitySource.StartActivity("outbox relay");
        activity?.SetTag("outbox.batch.size", batch.Count);
        metrics.Claimed.Add(batch.Count);
        LogClaimed(batch.Messages);

        TimeSpan sendWithin = batch.LeaseDuration - timeProvider.GetElapsedTime(batch.LeaseStarted) - RelayInstance.SendMargin;
        if (sendWithin < sender.Limits.MaxDeliveryTime)
        {
            // The claim took so long that a send could outlive the lease: the sender gives it back unsent.
            Log.LeaseTooShortToSend(logger, batch.Count, timeProvider.GetElapsedTime(batch.LeaseStarted), batch.LeaseDuration);
        }

        IReadOnlyList<OutboxSendResult> results;
        try
        {
            results = await sender.SendAsync(batch.Messages, sendWithin, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: give the batch back so the next relay need not wait for the lease.
            await ReleaseAsync(batch).ConfigureAwait(false);
            throw;
        }

        pending.AddRange(outcomes.For(batch.LeaseOwner, batch.Messages, results, stopping: cancellationToken.IsCancellationRequested), timeProvider.GetTimestamp());
        metrics.BatchDuration.Record(timeProvider.GetElapsedTime(started));
        return batch.Count;
    }

    /// <summary>Records the pending outcomes on their own: after a single pass, or when the host stops.</summary>
    public async Task FlushAsync()
    {
        if (pending.Count == 0)
        {
            return;
        }

        OutboxOutcome[] recording = pending.ToArray();
        try
        {
            int applied = await recordRetry.ExecuteAsync(
                static (state, token) => new ValueTask<int>(state.source.RecordAsync(state.recording, token)),
                (source, recording),
                CancellationToken.None).ConfigureAwait(false);
            pending.Clear();
            CheckApplied(applied, recording.Length, recording[0].LeaseOwner);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await IsolateAsync(ex).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<RelayBatch> TakeAsync(CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return (await source.RecordAndTakeAsync([], cancellationToken).ConfigureAwait(false)).Batch;
        }

        OutboxOutcome[] recording = pending.ToArray();
        try
        {
            // On PostgreSQL the call is one transaction, so a retry repeats nothing.
            (int applied, RelayBatch batch) = await recordRetry.ExecuteAsync(
                static (state, token) => new ValueTask<(int, RelayBatch)>(state.source.RecordAndTakeAsync(state.recording, token)),
                (source, recording),
                CancellationToken.None).ConfigureAwait(false);
            pending.Clear();
            CheckApplied(applied, recording.Length, recording[0].LeaseOwner);
            return batch;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await IsolateAsync(ex).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// After a failed recording: tries each outcome on its own. Recorded ones leave the pending
    /// outcomes; one that fails while others succeed is one the database refuses and is dropped.
    /// When every one fails the database is away: they stay, until they are older than twice the lease.
    /// </summary>
    private async Task IsolateAsync(Exception failure)
    {
        int recorded = 0;
        var refused = new List<(OutboxOutcome Outcome, Exception Error)>();
        foreach (OutboxOutcome outcome in pending.ToArray())
        {
            try
            {
                await source.RecordAsync([outcome], CancellationToken.None).ConfigureAwait(false);
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

    private void CheckApplied(int applied, int count, string leaseOwner)
    {
        if (applied != count)
        {
            Log.OutcomesRefused(logger, count - applied, leaseOwner);
        }
    }

    private async Task ReleaseAsync(RelayBatch batch)
    {
        OutboxOutcome[] released = OutcomePolicy.Released(batch.LeaseOwner, batch.Messages);
        try
        {
            await source.RecordAsync(released, CancellationToken.None).ConfigureAwait(false);
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
