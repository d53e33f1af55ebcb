using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outbox.Diagnostics;
using Outbox.Relay;
using Outbox.Storage;
using Outbox.Transport;
using Polly;

namespace Outbox.Direct;

/// <summary>
/// Sends the messages this process's writes own from their insert (see
/// <see cref="IOutboxDirectSend"/>) as soon as their transaction commits: one store call that
/// records the last sends' outcomes and admits the new messages, then the send. Nothing waits for
/// a fixed time: what commits while a send is in flight goes out in the next batch. A key's next
/// message waits in memory for the one in flight; a message whose key has an earlier unfinished
/// message elsewhere is given back to the claims. Fenced like a claim: a message goes out only if
/// its send can end before its lease does, counted on the monotonic clock from the lease's start.
/// </summary>
internal sealed partial class DirectSender
{
    /// <summary>How often the database's clock is read again (a query; no write).</summary>
    internal static readonly TimeSpan ClockReadInterval = TimeSpan.FromSeconds(10);

    private readonly IServiceScopeFactory scopeFactory;
    private readonly RelaySender sender;
    private readonly OutboxOptions options;
    private readonly TimeProvider timeProvider;
    private readonly OutboxMetrics metrics;
    private readonly OutboxSignal signal;
    private readonly DirectSendQueue queue;
    private readonly DatabaseClock clock;
    private readonly ILogger<DirectSender> logger;
    private readonly SendOutcomes outcomes;
    private readonly ResiliencePipeline storeRetry;
    private readonly ResiliencePipeline clockRetry;
    private readonly Channel<SendDone> done = Channel.CreateUnbounded<SendDone>(new UnboundedChannelOptions { SingleReader = true });

    // The loop's state: only the loop touches it.
    private readonly Dictionary<string, Queue<Owned>> waiting = new(StringComparer.Ordinal);
    private readonly HashSet<string> keysInFlight = new(StringComparer.Ordinal);
    private readonly PendingOutcomes pending = new();
    private List<Owned> retry = [];
    private List<Owned> candidates = [];
    private int sendsInFlight;

    public DirectSender(
        IServiceScopeFactory scopeFactory,
        RelayPipeline pipeline,
        IOptions<OutboxOptions> options,
        TimeProvider timeProvider,
        OutboxMetrics metrics,
        OutboxSignal signal,
        DirectSendQueue queue,
        DatabaseClock clock,
        ILogger<DirectSender> logger)
    {
        this.scopeFactory = scopeFactory;
        sender = pipeline.Sender;
        this.options = options.Value;
        this.timeProvider = timeProvider;
        this.metrics = metrics;
        this.signal = signal;
        this.queue = queue;
        this.clock = clock;
        this.logger = logger;
        outcomes = pipeline.Outcomes;
        LeaseOwner = pipeline.Instance.DirectOwner;

        // A failed store call keeps the messages (their lease bounds the wait) and tries again
        // with what there is then; the first clock read waits for the database to be up.
        storeRetry = RelayRetries.UntilItWorks("outbox-direct-send", TimeSpan.FromMilliseconds(100), this.options, timeProvider, _ => true, (_, delay, ex) =>
        {
            int expired = pending.DropOlderThan(timeProvider.GetTimestamp(), 2 * this.options.LeaseDuration, timeProvider);
            Log.ClaimFailed(logger, candidates.Count, pending.Count, expired, delay, ex);
            candidates = Collect();
        });
        clockRetry = RelayRetries.UntilItWorks("outbox-direct-clock", TimeSpan.FromMilliseconds(200), this.options, timeProvider, ex => ex is not NotSupportedException, (_, _, ex) =>
        {
            if (ex is not ClockReadingTooSlowException)
            {
                Log.ClockReadFailed(logger, ex);
            }
        });
    }

    /// <summary>Gets the owner this process's direct messages are written under.</summary>
    public string LeaseOwner { get; }

    /// <summary>Runs until <paramref name="stoppingToken"/> is cancelled, then gives back what it did not send.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!await ReadClockAsync(firstTime: true, stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        queue.Open(LeaseOwner);
        Log.Started(logger, LeaseOwner);
        try
        {
            await LoopAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            queue.Close();
            await StopAsync().ConfigureAwait(false);
        }
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        long clockRead = timeProvider.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            candidates = Collect();
            if (candidates.Count == 0 && pending.Count == 0)
            {
                TimeSpan untilClockRead = ClockReadInterval - timeProvider.GetElapsedTime(clockRead);
                if (untilClockRead <= TimeSpan.Zero)
                {
                    await ReadClockAsync(firstTime: false, stoppingToken).ConfigureAwait(false);
                    clockRead = timeProvider.GetTimestamp();
                    continue;
                }

                await WaitForWorkAsync(untilClockRead, stoppingToken).ConfigureAwait(false);
                continue;
            }

            // A retry takes the candidates collected again after the failure (see storeRetry).
            await storeRetry.ExecuteAsync(static (self, token) => new ValueTask(self.ClaimAndSendAsync(self.candidates, token)), this, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The next batch: messages retried after a failed store call, each key's next message whose
    /// predecessor just finished, then new commits up to the batch size; after recording the
    /// outcomes of the sends that finished. A message whose key has one in flight here waits.
    /// </summary>
    private List<Owned> Collect()
    {
        var candidates = retry;
        retry = [];
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (Owned owned in candidates)
        {
            Reserve(owned.Message.Key, keys);
        }

        while (done.Reader.TryRead(out SendDone? finished))
        {
            sendsInFlight--;
            List<OutboxOutcome> recorded = outcomes.For(LeaseOwner, finished.Messages.Select(o => o.Message).ToList(), finished.Results, stopping: false);
            pending.AddRange(recorded, timeProvider.GetTimestamp());
            if (finished.Results.Any(r => r.Status == OutboxSendStatus.Failed))
            {
                // The broker or topic is failing: new messages go to the claims' backoff for a while.
                queue.Pause(options.RetryDelay);
            }

            foreach (Owned sent in finished.Messages)
            {
                if (sent.Message.Key is { } key && keysInFlight.Remove(key) && Next(key) is { } next)
                {
                    candidates.Add(next);
                    keys.Add(key);
                }
            }
        }

        if (sendsInFlight >= options.MaxConcurrentBatches)
        {
            return candidates;
        }

        while (candidates.Count < options.BatchSize && queue.Reader.TryRead(out OwnedMessages? committed))
        {
            foreach (OutboxMessage message in committed.Messages)
            {
                var owned = new Owned(message, committed.Ownership);
                if (options.PreserveKeyOrder && message.Key is { } key && (keysInFlight.Contains(key) || !keys.Add(key)))
                {
                    // Waits here for its key's message in flight; counted as queued until it leaves.
                    if (!waiting.TryGetValue(key, out Queue<Owned>? line))
                    {
                        waiting[key] = line = new Queue<Owned>();
                    }

                    line.Enqueue(owned);
                }
                else
                {
                    queue.Taken(1);
                    candidates.Add(owned);
                }
            }
        }

        return candidates;
    }

    private static void Reserve(string? key, HashSet<string> keys)
    {
        if (key is not null)
        {
            keys.Add(key);
        }
    }

    /// <summary>Takes the next message waiting for <paramref name="key"/>, if any.</summary>
    private Owned? Next(string key)
    {
        if (!waiting.TryGetValue(key, out Queue<Owned>? line))
        {
            return null;
        }

        Owned next = line.Dequeue();
        if (line.Count == 0)
        {
            waiting.Remove(key);
        }

        queue.Taken(1);
        return next;
    }

    private void Promote(string? key)
    {
        if (key is not null && Next(key) is { } next)
        {
            retry.Add(next);
        }
    }

    private async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task newCommits = sendsInFlight < options.MaxConcurrentBatches ? queue.Reader.WaitToReadAsync(wake.Token).AsTask() : Task.Delay(Timeout.Infinite, wake.Token);
        Task finishedSends = done.Reader.WaitToReadAsync(wake.Token).AsTask();
        Task clockDue = Task.Delay(timeout, timeProvider, wake.Token);
        await Task.WhenAny(newCommits, finishedSends, clockDue).ConfigureAwait(false);
        await wake.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
    }

    /// <summary>One store call (the finished sends' outcomes, then the candidates' admission), then the admitted messages' send, not awaited.</summary>
    private async Task ClaimAndSendAsync(List<Owned> candidates, CancellationToken stoppingToken)
    {
        // Fencing: a message goes only if its send can end before its lease does.
        var sendable = new List<Owned>(candidates.Count);
        var late = new List<Owned>();
        foreach (Owned owned in candidates)
        {
            (LeaseLeft(owned.Ownership) < sender.Limits.MaxDeliveryTime ? late : sendable).Add(owned);
        }

        if (late.Count > 0)
        {
            Log.LeaseTooShort(logger, late.Count, options.LeaseDuration);
            pending.AddRange(OutcomePolicy.Released(LeaseOwner, late.Select(o => o.Message)), timeProvider.GetTimestamp());
        }

        // Only messages whose key's order must be kept need the store's word; the lease makes the
        // others this relay's to send (no relay may take them before it ends).
        List<Guid> ordered = sendable.Where(o => options.PreserveKeyOrder && o.Message.Key is not null).Select(o => o.Message.Id).ToList();
        OutboxOutcome[] recording = pending.ToArray();
        OutboxOwnedClaimResult result;
        try
        {
            if (ordered.Count == 0 && recording.Length == 0)
            {
                result = new OutboxOwnedClaimResult(0, [], []);
            }
            else
            {
                await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
                IOutboxDirectSendStore store = DirectSendStore(scope);
                result = await store.RecordOutcomesAndClaimOwnedAsync(recording, new OutboxOwnedClaim(LeaseOwner, ordered), stoppingToken).ConfigureAwait(false);
            }
        }
        catch
        {
            retry = sendable; // the outcomes stay pending; the late ones are among them already
            throw;
        }

        pending.Clear();
        if (result.Recorded != recording.Length)
        {
            Log.OutcomesRefused(logger, recording.Length - result.Recorded, LeaseOwner);
        }

        if (result.Released.Count > 0 || late.Count > 0 || recording.Any(o => o.Status == OutboxStatus.Init && o.RetryAfter == TimeSpan.Zero))
        {
            signal.Notify(); // INIT rows now: the claims take them, in their keys' order
        }

        if (result.Released.Count > 0)
        {
            Log.GivenBack(logger, result.Released.Count);
        }

        Dictionary<Guid, Owned> byId = sendable.ToDictionary(o => o.Message.Id);
        var admitted = sendable.Where(o => !(options.PreserveKeyOrder && o.Message.Key is not null)).ToList();
        foreach (Owned free in admitted)
        {
            byId.Remove(free.Message.Id);
        }

        foreach (Guid id in result.Admitted)
        {
            if (byId.Remove(id, out Owned? owned))
            {
                admitted.Add(owned);
                if (owned.Message.Key is { } key)
                {
                    keysInFlight.Add(key);
                }
            }
        }

        // A key whose message did not go: its next one waiting here is looked at in the next batch
        // (the store then sees the one given back, and gives this one back too if it must wait).
        foreach (Owned notSent in byId.Values.Concat(late))
        {
            Promote(notSent.Message.Key);
        }

        int gone = byId.Count - result.Released.Count;
        if (gone > 0)
        {
            Log.TakenOver(logger, gone, LeaseOwner);
        }

        if (admitted.Count == 0)
        {
            return;
        }

        metrics.Direct.Add(admitted.Count);
        sendsInFlight++;
        _ = SendAsync(admitted, stoppingToken);
    }

    private TimeSpan LeaseLeft(OutboxOwnership ownership) =>
        options.LeaseDuration - timeProvider.GetElapsedTime(ownership.Started) - RelayInstance.SendMargin - ownership.Uncertainty;

    /// <summary>Sends a batch within what is left of its shortest lease (the transport gives back, unsent, what it cannot send within that) and hands the results to the loop.</summary>
    private async Task SendAsync(List<Owned> batch, CancellationToken stoppingToken)
    {
        IReadOnlyList<OutboxSendResult> results;
        try
        {
            results = await sender.SendAsync(batch.ConvertAll(o => o.Message), batch.Min(o => LeaseLeft(o.Ownership)), stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            // Stopping: the loop gives these back (a failure while stopping releases the message).
            results = Enumerable.Repeat(OutboxSendResult.Failed(ex.Message), batch.Count).ToArray();
        }

        done.Writer.TryWrite(new SendDone(batch, results));
    }

    /// <summary>Reads the database's clock; the first time, until it works or the store turns out not to support direct sends.</summary>
    /// <returns>Whether direct sends can run.</returns>
    private async Task<bool> ReadClockAsync(bool firstTime, CancellationToken stoppingToken)
    {
        try
        {
            if (firstTime)
            {
                await clockRetry.ExecuteAsync(static (self, token) => new ValueTask(self.ReadClockOnceAsync(token)), this, stoppingToken).ConfigureAwait(false);
            }
            else
            {
                await ReadClockOnceAsync(stoppingToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (NotSupportedException ex)
        {
            Log.Unsupported(logger, ex.Message);
            return false;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (ClockReadingTooSlowException)
        {
            return true; // a later reading: the last one is used meanwhile
        }
#pragma warning disable CA1031 // The database may be away for a moment: the last reading holds, the claims cover the messages.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ClockReadFailed(logger, ex);
            return true;
        }
    }

    private async Task ReadClockOnceAsync(CancellationToken cancellationToken)
    {
        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        IOutboxDirectSendStore store = DirectSendStore(scope);
        if (!await clock.ReadAsync(store.GetDatabaseTimeAsync, cancellationToken).ConfigureAwait(false))
        {
            throw new ClockReadingTooSlowException();
        }
    }

    private static IOutboxDirectSendStore DirectSendStore(AsyncServiceScope scope) =>
        scope.ServiceProvider.GetService<IOutboxDirectSendStore>()
        ?? throw new NotSupportedException($"the store registers no {nameof(IOutboxDirectSendStore)}");

    /// <summary>A clock reading whose round trip was too long to keep: read again.</summary>
    private sealed class ClockReadingTooSlowException : Exception
    {
        public ClockReadingTooSlowException()
            : base("The database's clock reading took too long a round trip to be kept.")
        {
        }
    }

    /// <summary>At stop: the sends in flight finish (cancelled), then their outcomes and every message not sent go back to the store, so no message waits for its lease.</summary>
    private async Task StopAsync()
    {
        while (sendsInFlight > 0 && await done.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (done.Reader.TryRead(out SendDone? finished))
            {
                sendsInFlight--;
                pending.AddRange(outcomes.For(LeaseOwner, finished.Messages.Select(o => o.Message).ToList(), finished.Results, stopping: true), timeProvider.GetTimestamp());
            }
        }

        var unsent = retry.Select(o => o.Message).Concat(waiting.Values.SelectMany(w => w).Select(o => o.Message)).ToList();
        while (queue.Reader.TryRead(out OwnedMessages? committed))
        {
            unsent.AddRange(committed.Messages);
        }

        pending.AddRange(OutcomePolicy.Released(LeaseOwner, unsent), timeProvider.GetTimestamp());
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
            IOutboxRelayStore store = scope.ServiceProvider.GetRequiredService<IOutboxRelayStore>();
            await store.RecordOutcomesAsync(pending.ToArray(), CancellationToken.None).ConfigureAwait(false);
            Log.Stopped(logger, unsent.Count);
        }
#pragma warning disable CA1031 // Best effort at stop: the messages are claimable when their lease ends.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.StopFailed(logger, pending.Count, ex);
        }
    }

    private sealed record Owned(OutboxMessage Message, OutboxOwnership Ownership);

    private sealed record SendDone(IReadOnlyList<Owned> Messages, IReadOnlyList<OutboxSendResult> Results);
}
