using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Outbox.Storage;
using Outbox.Transport;

namespace Outbox.Benchmarks.Infrastructure;

/// <summary>
/// What the benchmark observes of the relay, through decorators only (no src change):
/// the transport decorator counts delivered messages and timestamps the moment
/// <c>SendAsync</c> returns (the relay then holds the broker's acks); the store proxy times
/// the claim and record statements. Timestamps are <see cref="Stopwatch"/> ticks.
/// </summary>
internal sealed class RelayProbe
{
    private long target = long.MaxValue;
    private TaskCompletionSource reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private long delivered;
    private long notDelivered;
    private long claimTicks;
    private long sendTicks;
    private long recordTicks;
    private long passes;
    private long sends;
    private long emptyClaims;
    private long lastRecordEnded;

    /// <summary>Gets or sets whether per-message timestamps and unique ids are kept (latency runs, quick checks).</summary>
    public bool TrackPerMessage { get; init; }

    public ConcurrentDictionary<Guid, long> ClaimStarted { get; } = new();

    public ConcurrentDictionary<Guid, long> ClaimEnded { get; } = new();

    public ConcurrentDictionary<Guid, long> SendStarted { get; } = new();

    public ConcurrentDictionary<Guid, long> Acked { get; } = new();

    public long Delivered => Interlocked.Read(ref delivered);

    public long NotDelivered => Interlocked.Read(ref notDelivered);

    public long Passes => Interlocked.Read(ref passes);

    /// <summary>Gets the number of transport sends (the log-tailing relay sends without claiming: its batches show here, not in <see cref="Passes"/>).</summary>
    public long Sends => Interlocked.Read(ref sends);

    public long EmptyClaims => Interlocked.Read(ref emptyClaims);

    public TimeSpan ClaimTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref claimTicks));

    public TimeSpan SendTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref sendTicks));

    public TimeSpan RecordTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref recordTicks));

    public long LastAck { get; private set; }

    public long LastRecordEnded => Interlocked.Read(ref lastRecordEnded);

    /// <summary>Completes when <see cref="Delivered"/> reaches <paramref name="count"/>.</summary>
    public Task WhenDelivered(long count)
    {
        Interlocked.Exchange(ref target, count);
        if (Delivered >= count)
        {
            reached.TrySetResult();
        }

        return reached.Task;
    }

    /// <summary>Forgets everything observed so far (after a warm-up).</summary>
    public void Reset()
    {
        ClaimStarted.Clear();
        ClaimEnded.Clear();
        SendStarted.Clear();
        Acked.Clear();
        Interlocked.Exchange(ref delivered, 0);
        Interlocked.Exchange(ref notDelivered, 0);
        Interlocked.Exchange(ref claimTicks, 0);
        Interlocked.Exchange(ref sendTicks, 0);
        Interlocked.Exchange(ref recordTicks, 0);
        Interlocked.Exchange(ref passes, 0);
        Interlocked.Exchange(ref sends, 0);
        Interlocked.Exchange(ref emptyClaims, 0);
        Interlocked.Exchange(ref target, long.MaxValue);
        reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void OnClaimed(long started, long ended, IReadOnlyList<OutboxMessage> claimed)
    {
        Interlocked.Add(ref claimTicks, ended - started);
        if (claimed.Count == 0)
        {
            Interlocked.Increment(ref emptyClaims);
            return;
        }

        Interlocked.Increment(ref passes);
        if (TrackPerMessage)
        {
            foreach (OutboxMessage m in claimed)
            {
                ClaimStarted.TryAdd(m.Id, started);
                ClaimEnded.TryAdd(m.Id, ended);
            }
        }
    }

    public void OnRecorded(long started, long ended)
    {
        Interlocked.Add(ref recordTicks, ended - started);
        long seen;
        while ((seen = Interlocked.Read(ref lastRecordEnded)) < ended && Interlocked.CompareExchange(ref lastRecordEnded, ended, seen) != seen)
        {
        }
    }

    public void OnSent(long started, long ended, IReadOnlyList<OutboxMessage> messages, IReadOnlyList<OutboxSendResult> results)
    {
        Interlocked.Add(ref sendTicks, ended - started);
        Interlocked.Increment(ref sends);
        int ok = 0;
        for (int i = 0; i < results.Count; i++)
        {
            if (results[i].Status != OutboxSendStatus.Delivered)
            {
                continue;
            }

            if (TrackPerMessage)
            {
                Guid id = messages[i].Id;
                SendStarted.TryAdd(id, started);
                if (!Acked.TryAdd(id, ended))
                {
                    continue; // a duplicate send: count the message once
                }
            }

            ok++;
        }

        Interlocked.Add(ref notDelivered, results.Count - ok);
        LastAck = ended;
        if (Interlocked.Add(ref delivered, ok) >= Interlocked.Read(ref target))
        {
            reached.TrySetResult();
        }
    }
}

/// <summary>Wraps the real transport: times each <c>SendAsync</c> and reports its results to the probe.</summary>
internal sealed class ProbingTransport(IOutboxTransport inner, RelayProbe probe) : IOutboxTransport
{
    public OutboxTransportLimits Limits => inner.Limits;

    public async Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, TimeSpan sendWithin, CancellationToken cancellationToken = default)
    {
        long started = Stopwatch.GetTimestamp();
        IReadOnlyList<OutboxSendResult> results = await inner.SendAsync(messages, sendWithin, cancellationToken);
        probe.OnSent(started, Stopwatch.GetTimestamp(), messages, results);
        return results;
    }
}

/// <summary>
/// Wraps the real store (a <see cref="DispatchProxy"/>, so it keeps compiling when the store
/// interface grows): times <c>ClaimAsync</c>, <c>RecordOutcomesAsync</c> and
/// <c>RecordOutcomesAndClaimAsync</c> (as claim time), passes every other call through.
/// </summary>
#pragma warning disable CA1852 // DispatchProxy needs a non-sealed type
internal class ProbingStore : DispatchProxy
#pragma warning restore CA1852
{
    private IOutboxStore inner = null!;
    private RelayProbe probe = null!;

    public static IOutboxStore Create(IOutboxStore inner, RelayProbe probe)
    {
        IOutboxStore proxy = Create<IOutboxStore, ProbingStore>();
        var self = (ProbingStore)(object)proxy;
        self.inner = inner;
        self.probe = probe;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        try
        {
            return targetMethod.Name switch
            {
                nameof(IOutboxStore.ClaimAsync) => ClaimAsync((OutboxClaim)args![0]!, (CancellationToken)args[1]!),
                nameof(IOutboxStore.RecordOutcomesAsync) => RecordAsync((IReadOnlyList<OutboxOutcome>)args![0]!, (CancellationToken)args[1]!),
                nameof(IOutboxStore.RecordOutcomesAndClaimAsync) => RecordAndClaimAsync((IReadOnlyList<OutboxOutcome>)args![0]!, (OutboxClaim)args[1]!, (CancellationToken)args[2]!),
                _ => targetMethod.Invoke(inner, args),
            };
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
    }

    private async Task<IReadOnlyList<OutboxMessage>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        IReadOnlyList<OutboxMessage> claimed = await inner.ClaimAsync(claim, cancellationToken);
        probe.OnClaimed(started, Stopwatch.GetTimestamp(), claimed);
        return claimed;
    }

    /// <summary>One call that records the previous batch and claims the next: its time counts as claim time.</summary>
    private async Task<(int, IReadOnlyList<OutboxMessage>)> RecordAndClaimAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim claim, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        (int applied, IReadOnlyList<OutboxMessage> claimed) = await inner.RecordOutcomesAndClaimAsync(outcomes, claim, cancellationToken);
        long ended = Stopwatch.GetTimestamp();
        probe.OnClaimed(started, ended, claimed);
        probe.OnRecorded(ended, ended);
        return (applied, claimed);
    }

    private async Task<int> RecordAsync(IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        int applied = await inner.RecordOutcomesAsync(outcomes, cancellationToken);
        probe.OnRecorded(started, Stopwatch.GetTimestamp());
        return applied;
    }
}

/// <summary>Swallows the after-commit wake-up: the relay then finds messages by polling only.</summary>
internal sealed class NoWakeUpSignal : IOutboxSignal
{
    public void Notify()
    {
    }
}
