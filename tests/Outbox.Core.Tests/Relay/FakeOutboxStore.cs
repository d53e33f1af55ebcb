using Outbox.Storage;

namespace Outbox.Core.Tests.Relay;

/// <summary>
/// An in-memory fake of <see cref="IOutboxStore"/> with the same claim rules as the SQL stores, for
/// unit tests of the relay's logic. Its clock stands in for the database's; a row's position is the
/// order <see cref="Add"/> saw it. <see cref="FakeOutboxStoreContractTests"/> holds it to the store contract the
/// SQL stores pass (Outbox.TestSupport.Storage.OutboxStoreContractTests).
/// </summary>
internal sealed class FakeOutboxStore(TimeProvider? clock = null) : IOutboxStore, IOutboxDirectSendStore
{
    private readonly TimeProvider databaseClock = clock ?? TimeProvider.System;
    private readonly Lock gate = new();
    private readonly List<(long Position, OutboxMessage Row)> rows = [];
    private long positions;

    public int RecordFailuresToInject { get; set; }

    /// <summary>Gets or sets an outcome the fake database refuses every time (say, text it cannot store).</summary>
    public Func<OutboxOutcome, bool>? Refuses { get; set; }

    public int RecordCalls { get; private set; }

    /// <summary>Gets how many times owned messages were put to the store (direct sends).</summary>
    public int OwnedClaimCalls { get; private set; }

    /// <summary>Gets how many times the summary was read (the backlog's default reads it).</summary>
    public int SummaryCalls { get; private set; }

    /// <summary>Gets or sets an error the summary read throws (the database is down).</summary>
    public Exception? SummaryFailure { get; set; }

    /// <summary>Gets how many claims ran.</summary>
    public int ClaimCalls { get; private set; }

    /// <summary>Gets or sets what happens while a claim runs (say, the relay's process stalls).</summary>
    public Action? DuringClaim { get; set; }

    public void Add(OutboxMessage message)
    {
        lock (gate)
        {
            message.CreatedAt = databaseClock.GetUtcNow();
            message.NextAttemptAt = message.CreatedAt;
            rows.Add((++positions, message));
        }
    }

    /// <summary>Makes a row owned from its insert, as a direct send writes it: PUBLISH under <paramref name="owner"/>, never claimed.</summary>
    public void Own(Guid id, string owner, TimeSpan lease)
    {
        lock (gate)
        {
            OutboxMessage row = rows.Single(r => r.Row.Id == id).Row;
            row.Status = OutboxStatus.Publish;
            row.LeaseOwner = owner;
            row.LeaseExpiresAt = databaseClock.GetUtcNow() + lease;
        }
    }

    /// <summary>Gets a copy of every row, in position order.</summary>
    public IReadOnlyList<OutboxMessage> ReadAll()
    {
        lock (gate)
        {
            return [.. rows.OrderBy(r => r.Position).Select(r => Copy(r.Row))];
        }
    }

    public OutboxMessage Get(Guid id)
    {
        lock (gate)
        {
            return rows.Single(r => r.Row.Id == id).Row;
        }
    }

    public Task<IReadOnlyList<OutboxMessage>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken = default)
    {
        DuringClaim?.Invoke();
        lock (gate)
        {
            ClaimCalls++;
            DateTimeOffset now = databaseClock.GetUtcNow();
            var claimed = new List<OutboxMessage>();
            foreach ((long position, OutboxMessage row) in rows.OrderBy(r => r.Position))
            {
                bool due = (row.Status == OutboxStatus.Init && row.NextAttemptAt <= now)
                    || (row.Status == OutboxStatus.Publish && row.LeaseExpiresAt <= now);
                // As the SQL stores: claimed-before messages first (by position), then never-claimed ones; one in flight blocks the key.
                bool blocked = claim.PreserveKeyOrder && row.Key is not null && rows.Any(p =>
                    p.Row != row && p.Row.Key == row.Key && OutboxStateMachine.IsUnfinished(p.Row.Status)
                    && ((p.Row.Status == OutboxStatus.Publish && p.Row.LeaseExpiresAt > now)
                        || (p.Row.PublishedAt is not null && (row.PublishedAt is null || p.Position < position))
                        || (row.PublishedAt is null && p.Position < position)));
                if (!due || blocked)
                {
                    continue;
                }

                OutboxStateMachine.EnsureTransition(row.Status, OutboxStatus.Publish);
                row.Attempts += row.Status == OutboxStatus.Publish ? 1 : 0;
                row.Status = OutboxStatus.Publish;
                row.LeaseOwner = claim.LeaseOwner;
                row.LeaseExpiresAt = now + claim.LeaseDuration;
                row.PublishedAt ??= now;
                claimed.Add(Copy(row));
                if (claimed.Count == claim.BatchSize)
                {
                    break;
                }
            }

            return Task.FromResult<IReadOnlyList<OutboxMessage>>(claimed);
        }
    }

    public Task<int> RecordOutcomesAsync(IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            RecordCalls++;
            if (RecordFailuresToInject > 0)
            {
                RecordFailuresToInject--;
                throw new TimeoutException("fake database timeout");
            }

            if (outcomes.FirstOrDefault(o => Refuses?.Invoke(o) == true) is { MessageId: var refused } && refused != Guid.Empty)
            {
                throw new InvalidOperationException($"fake database refuses the outcome of {refused}");
            }

            DateTimeOffset now = databaseClock.GetUtcNow();
            int applied = 0;
            foreach (OutboxOutcome outcome in outcomes)
            {
                OutboxMessage row = rows.Single(r => r.Row.Id == outcome.MessageId).Row;
                if (row.Status != OutboxStatus.Publish || row.LeaseOwner != outcome.LeaseOwner)
                {
                    continue;
                }

                OutboxStateMachine.EnsureTransition(row.Status, outcome.Status);
                row.Status = outcome.Status;
                row.Attempts = outcome.Attempts;
                row.NextAttemptAt = outcome.Status == OutboxStatus.Init ? now + outcome.RetryAfter : row.NextAttemptAt;
                row.PublishedAt ??= outcome.Status == OutboxStatus.Init && outcome.WasSent ? now : null;
                row.LastError = outcome.LastError ?? row.LastError;
                row.CompletedAt = outcome.Status is OutboxStatus.Complete or OutboxStatus.Dead ? now : row.CompletedAt;
                row.LeaseOwner = null;
                row.LeaseExpiresAt = null;
                applied++;
            }

            return Task.FromResult(applied);
        }
    }

    public async Task<OutboxOwnedClaimResult> RecordOutcomesAndClaimOwnedAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxOwnedClaim claim, CancellationToken cancellationToken = default)
    {
        int recorded = outcomes.Count == 0 ? 0 : await RecordOutcomesAsync(outcomes, cancellationToken);
        lock (gate)
        {
            OwnedClaimCalls++;
            DateTimeOffset now = databaseClock.GetUtcNow();
            var admitted = new List<Guid>();
            var released = new List<Guid>();
            foreach ((long position, OutboxMessage row) in rows.Where(r => claim.MessageIds.Contains(r.Row.Id)).OrderBy(r => r.Position))
            {
                if (row.Status != OutboxStatus.Publish || row.LeaseOwner != claim.LeaseOwner)
                {
                    continue;
                }

                // As the SQL stores: none of the key in flight under another owner, claimed before, or earlier and unfinished.
                bool blocked = row.Key is not null && rows.Any(p =>
                    p.Row != row && p.Row.Key == row.Key && OutboxStateMachine.IsUnfinished(p.Row.Status)
                    && ((p.Row.Status == OutboxStatus.Publish && p.Row.LeaseExpiresAt > now && p.Row.LeaseOwner != claim.LeaseOwner)
                        || p.Row.PublishedAt is not null
                        || p.Position < position));
                if (blocked)
                {
                    row.Status = OutboxStatus.Init;
                    row.NextAttemptAt = now;
                    row.LeaseOwner = null;
                    row.LeaseExpiresAt = null;
                    released.Add(row.Id);
                }
                else
                {
                    admitted.Add(row.Id);
                }
            }

            return new OutboxOwnedClaimResult(recorded, admitted, released);
        }
    }

    public Task<DateTimeOffset> GetDatabaseTimeAsync(CancellationToken cancellationToken = default) => Task.FromResult(databaseClock.GetUtcNow());

    public Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            SummaryCalls++;
            if (SummaryFailure is { } failure)
            {
                return Task.FromException<OutboxSummary>(failure);
            }

            long Count(OutboxStatus s) => rows.Count(r => r.Row.Status == s);
            DateTimeOffset? oldest = rows.Where(r => OutboxStateMachine.IsUnfinished(r.Row.Status)).Select(r => (DateTimeOffset?)r.Row.CreatedAt).Min();
            return Task.FromResult(new OutboxSummary(Count(OutboxStatus.Init), Count(OutboxStatus.Publish), Count(OutboxStatus.Complete), Count(OutboxStatus.Dead), oldest));
        }
    }

    public Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            int count = 0;
            foreach (OutboxMessage row in rows.Select(r => r.Row).Where(r => messageIds.Contains(r.Id) && r.Status == OutboxStatus.Publish))
            {
                row.Status = OutboxStatus.Complete;
                row.CompletedAt = databaseClock.GetUtcNow();
                row.LeaseOwner = null;
                row.LeaseExpiresAt = null;
                count++;
            }

            return Task.FromResult(count);
        }
    }

    public Task<IReadOnlyList<OutboxMessage>> ListDeadAsync(int limit, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<OutboxMessage>>(rows.Where(r => r.Row.Status == OutboxStatus.Dead).OrderBy(r => r.Position).Take(limit).Select(r => Copy(r.Row)).ToList());
        }
    }

    public Task<int> RequeueDeadAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            int count = 0;
            foreach (OutboxMessage row in rows.Select(r => r.Row).Where(r => messageIds.Contains(r.Id) && r.Status == OutboxStatus.Dead))
            {
                row.Status = OutboxStatus.Init;
                row.Attempts = 0;
                row.NextAttemptAt = databaseClock.GetUtcNow();
                row.CompletedAt = null;
                count++;
            }

            return Task.FromResult(count);
        }
    }

    public async Task<(int Recorded, IReadOnlyList<OutboxMessage> Claimed)> RecordOutcomesAndClaimAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim claim, CancellationToken cancellationToken = default)
    {
        int recorded = await RecordOutcomesAsync(outcomes, cancellationToken);
        return (recorded, await ClaimAsync(claim, cancellationToken));
    }

    public async Task<OutboxBacklog> GetBacklogAsync(CancellationToken cancellationToken = default)
    {
        OutboxSummary summary = await GetSummaryAsync(cancellationToken);
        DateTimeOffset now = databaseClock.GetUtcNow();
        TimeSpan? age = summary.OldestUnfinishedCreatedAt is { } oldest ? (now > oldest ? now - oldest : TimeSpan.Zero) : null;
        return new OutboxBacklog(summary.Init, summary.Publish, summary.Dead, age);
    }

    public Task<OutboxMessage?> GetMessageAsync(Guid messageId, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult<OutboxMessage?>(rows.Select(r => r.Row).FirstOrDefault(m => m.Id == messageId));
        }
    }

    public Task<int> DeleteFinishedAsync(OutboxStatus status, TimeSpan retention, int limit, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            DateTimeOffset cutoff = databaseClock.GetUtcNow() - retention;
            var expired = rows.Where(r => r.Row.Status == status && r.Row.CompletedAt < cutoff).Take(limit).ToList();
            rows.RemoveAll(expired.Contains);
            return Task.FromResult(expired.Count);
        }
    }

    private static OutboxMessage Copy(OutboxMessage row) => new()
    {
        Id = row.Id, Topic = row.Topic, Key = row.Key, Type = row.Type, Payload = row.Payload, Headers = row.Headers,
        Status = row.Status, Attempts = row.Attempts, LastError = row.LastError, CreatedAt = row.CreatedAt, NextAttemptAt = row.NextAttemptAt,
        LeaseOwner = row.LeaseOwner, LeaseExpiresAt = row.LeaseExpiresAt, PublishedAt = row.PublishedAt, CompletedAt = row.CompletedAt,
    };
}
