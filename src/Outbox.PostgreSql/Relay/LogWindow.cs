using NpgsqlTypes;

namespace Outbox.PostgreSql.Relay;

/// <summary>
/// The streamed messages the broker has not acknowledged yet, in commit order, and the log position
/// the slot may be confirmed to: just past the last transaction before the first one with a message
/// still unresolved. Lanes take from it: the main lanes (several, overlapping their broker round trips)
/// send what is due on healthy topics; the retry lane sends what is due on topics whose last send failed, so a failing topic holds the others
/// back only for its first failed send. Per key, a message is never taken while an earlier one of
/// its key is unresolved outside the batch being taken (a batch keeps its order in the transport).
/// </summary>
internal sealed class LogWindow(int capacity, TimeProvider timeProvider) : IDisposable
{
    private readonly object gate = new();
    private readonly LinkedList<LogTransaction> transactions = new();
    private readonly HashSet<string> failingTopics = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim[] work = [new(0), new(0)]; // one per lane: main, failing
    private readonly SemaphoreSlim space = new(0);
    private NpgsqlLogSequenceNumber confirmable;
    private int held;

    /// <summary>Gets how many messages are unresolved.</summary>
    public int Held
    {
        get
        {
            lock (gate)
            {
                return held;
            }
        }
    }

    /// <summary>Adds a committed transaction; waits while the window is full (the stream pauses, the slot keeps the log).</summary>
    public async Task AddAsync(LogTransaction transaction, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (gate)
            {
                // One transaction bigger than the bound is still taken when the window is empty.
                if (held == 0 || held + transaction.Entries.Count <= capacity)
                {
                    transaction.Unresolved = transaction.Entries.Count;
                    held += transaction.Entries.Count;
                    transactions.AddLast(transaction);
                    AdvanceLocked();
                    SignalWork();
                    return;
                }
            }

            await space.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes up to <paramref name="max"/> due messages for one lane and marks them in flight.</summary>
    /// <param name="max">The batch size.</param>
    /// <param name="failingLane">Whether this is the lane of failing topics.</param>
    /// <param name="wait">How long until the next message of this lane is due, when none is now.</param>
    public List<LogEntry> Take(int max, bool failingLane, out TimeSpan wait)
    {
        var taken = new List<LogEntry>();
        long now = timeProvider.GetTimestamp();
        long nextDue = long.MaxValue;
        lock (gate)
        {
            var blocked = new HashSet<(string Topic, string Key)>();
            foreach (LogTransaction transaction in transactions)
            {
                foreach (LogEntry entry in transaction.Entries)
                {
                    if (entry.Resolved)
                    {
                        continue;
                    }

                    OutboxMessage message = entry.Message;
                    bool keyed = message.Key is not null;
                    if (keyed && blocked.Contains((message.Topic, message.Key!)))
                    {
                        continue;
                    }

                    bool inLane = failingTopics.Contains(message.Topic) == failingLane;
                    bool ready = inLane && !entry.InFlight && entry.DeadError is null && entry.DueAt <= now;
                    if (ready && taken.Count < max)
                    {
                        entry.InFlight = true;
                        taken.Add(entry);
                        continue;
                    }

                    if (inLane && !entry.InFlight && entry.DeadError is null && entry.DueAt > now)
                    {
                        nextDue = Math.Min(nextDue, entry.DueAt);
                    }

                    if (keyed)
                    {
                        blocked.Add((message.Topic, message.Key!));
                    }
                }
            }
        }

        wait = nextDue == long.MaxValue ? TimeSpan.FromSeconds(1) : timeProvider.GetElapsedTime(now, nextDue);
        return taken;
    }

    /// <summary>Entries whose DEAD row waits to be written.</summary>
    public List<LogEntry> DeadPending()
    {
        lock (gate)
        {
            return transactions.SelectMany(t => t.Entries).Where(e => !e.Resolved && e.DeadError is not null).ToList();
        }
    }

    /// <summary>The broker acknowledged <paramref name="entry"/>'s message.</summary>
    public void Delivered(LogEntry entry)
    {
        lock (gate)
        {
            entry.InFlight = false;
            failingTopics.Remove(entry.Message.Topic);
            ResolveLocked(entry);
        }
    }

    /// <summary>The message is given up on: it is written DEAD before it counts as resolved.</summary>
    public void GoDead(LogEntry entry, int attempts, string? error)
    {
        lock (gate)
        {
            entry.InFlight = false;
            entry.Message.Attempts = attempts;
            entry.DeadError = error ?? "dead";
            SignalWork();
        }
    }

    /// <summary><paramref name="entry"/>'s DEAD row is written.</summary>
    public void WrittenDead(LogEntry entry)
    {
        lock (gate)
        {
            ResolveLocked(entry);
        }
    }

    /// <summary>The send failed: due again after <paramref name="retryAfter"/>; a failed attempt marks its topic failing.</summary>
    public void Retry(LogEntry entry, int attempts, TimeSpan retryAfter)
    {
        lock (gate)
        {
            entry.InFlight = false;
            if (attempts > entry.Message.Attempts)
            {
                failingTopics.Add(entry.Message.Topic);
            }

            entry.Message.Attempts = attempts;
            entry.DueAt = retryAfter <= TimeSpan.Zero ? 0 : timeProvider.GetTimestamp() + (long)(retryAfter.TotalSeconds * timeProvider.TimestampFrequency);
            SignalWork();
        }
    }

    /// <summary>Gets the position the slot may be confirmed to (just past the last transaction whose messages are all resolved), or 0 before any.</summary>
    public NpgsqlLogSequenceNumber Confirmable
    {
        get
        {
            lock (gate)
            {
                return confirmable;
            }
        }
    }

    /// <summary>Gets whether nothing is held (then an idle stream's position may be confirmed).</summary>
    public bool IsEmpty
    {
        get
        {
            lock (gate)
            {
                return transactions.Count == 0;
            }
        }
    }

    /// <summary>Waits until work may have arrived, or <paramref name="timeout"/> passes.</summary>
    public Task WaitForWorkAsync(bool failingLane, TimeSpan timeout, CancellationToken cancellationToken) =>
        work[failingLane ? 1 : 0].WaitAsync(timeout < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : timeout > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : timeout, cancellationToken);

    public void Dispose()
    {
        work[0].Dispose();
        work[1].Dispose();
        space.Dispose();
    }

    private void ResolveLocked(LogEntry entry)
    {
        if (entry.Resolved)
        {
            return;
        }

        entry.Resolved = true;
        entry.Transaction.Unresolved--;
        held--;
        AdvanceLocked();
        Signal(space);
        SignalWork(); // later messages of its key, or of a topic that recovered, may go now
    }

    private void AdvanceLocked()
    {
        while (transactions.First is { Value.Unresolved: 0 } first)
        {
            confirmable = first.Value.EndLsn;
            transactions.RemoveFirst();
        }
    }

    private void SignalWork()
    {
        Signal(work[0]);
        Signal(work[1]);
    }

    private static void Signal(SemaphoreSlim semaphore)
    {
        if (semaphore.CurrentCount == 0)
        {
            semaphore.Release();
        }
    }
}
