namespace Outbox.Core.Tests.Relay;

/// <summary>An in-memory fake of <see cref="IOutboxStore"/> with the same claim rules as the SQL stores, for unit tests of the relay's logic.</summary>
internal sealed class FakeOutboxStore : IOutboxStore
{
    private readonly Lock gate = new();
    private readonly List<OutboxMessage> rows = [];

    public int RecordFailuresToInject { get; set; }

    public int RecordCalls { get; private set; }

    public void Add(OutboxMessage message)
    {
        lock (gate)
        {
            rows.Add(message);
        }
    }

    public OutboxMessage Get(Guid id)
    {
        lock (gate)
        {
            return rows.Single(r => r.Id == id);
        }
    }

    public Task<IReadOnlyList<OutboxMessage>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var claimed = new List<OutboxMessage>();
            foreach (OutboxMessage row in rows.OrderBy(r => r.Id))
            {
                bool due = (row.Status == OutboxStatus.Init && row.NextAttemptAt <= claim.Now)
                    || (row.Status == OutboxStatus.Publish && row.LeaseExpiresAt <= claim.Now);
                bool blocked = claim.PreserveKeyOrder && row.Key is not null
                    && rows.Any(p => p.Key == row.Key && OutboxStateMachine.IsUnfinished(p.Status) && p.Id.CompareTo(row.Id) < 0);
                if (!due || blocked)
                {
                    continue;
                }

                OutboxStateMachine.EnsureTransition(row.Status, OutboxStatus.Publish);
                row.Status = OutboxStatus.Publish;
                row.LeaseOwner = claim.LeaseOwner;
                row.LeaseExpiresAt = claim.LeaseExpiresAt;
                claimed.Add(Copy(row));
                if (claimed.Count == claim.BatchSize)
                {
                    break;
                }
            }

            return Task.FromResult<IReadOnlyList<OutboxMessage>>(claimed);
        }
    }

    public Task<int> RecordOutcomesAsync(string leaseOwner, IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            RecordCalls++;
            if (RecordFailuresToInject > 0)
            {
                RecordFailuresToInject--;
                throw new TimeoutException("fake database timeout");
            }

            int applied = 0;
            foreach (OutboxOutcome outcome in outcomes)
            {
                OutboxMessage row = rows.Single(r => r.Id == outcome.MessageId);
                if (row.Status != OutboxStatus.Publish || row.LeaseOwner != leaseOwner)
                {
                    continue;
                }

                OutboxStateMachine.EnsureTransition(row.Status, outcome.Status);
                row.Status = outcome.Status;
                row.Attempts = outcome.Attempts;
                row.NextAttemptAt = outcome.Status == OutboxStatus.Init ? outcome.NextAttemptAt : row.NextAttemptAt;
                row.LastError = outcome.LastError ?? row.LastError;
                row.CompletedAt = outcome.Status == OutboxStatus.Complete ? outcome.At : row.CompletedAt;
                row.LeaseOwner = null;
                row.LeaseExpiresAt = null;
                applied++;
            }

            return Task.FromResult(applied);
        }
    }

    public Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            long Count(OutboxStatus s) => rows.Count(r => r.Status == s);
            DateTimeOffset? oldest = rows.Where(r => OutboxStateMachine.IsUnfinished(r.Status)).Select(r => (DateTimeOffset?)r.CreatedAt).Min();
            return Task.FromResult(new OutboxSummary(Count(OutboxStatus.Init), Count(OutboxStatus.Publish), Count(OutboxStatus.Complete), Count(OutboxStatus.Dead), oldest));
        }
    }

    public Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, DateTimeOffset completedAt, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            int count = 0;
            foreach (OutboxMessage row in rows.Where(r => messageIds.Contains(r.Id) && r.Status == OutboxStatus.Publish))
            {
                row.Status = OutboxStatus.Complete;
                row.CompletedAt = completedAt;
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
            return Task.FromResult<IReadOnlyList<OutboxMessage>>(rows.Where(r => r.Status == OutboxStatus.Dead).OrderBy(r => r.Id).Take(limit).Select(Copy).ToList());
        }
    }

    public Task<int> RequeueDeadAsync(IReadOnlyList<Guid> messageIds, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            int count = 0;
            foreach (OutboxMessage row in rows.Where(r => messageIds.Contains(r.Id) && r.Status == OutboxStatus.Dead))
            {
                row.Status = OutboxStatus.Init;
                row.Attempts = 0;
                row.NextAttemptAt = now;
                count++;
            }

            return Task.FromResult(count);
        }
    }

    public Task<int> DeleteCompletedAsync(DateTimeOffset completedBefore, int limit, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var expired = rows.Where(r => r.Status == OutboxStatus.Complete && r.CompletedAt < completedBefore).Take(limit).ToList();
            rows.RemoveAll(expired.Contains);
            return Task.FromResult(expired.Count);
        }
    }

    private static OutboxMessage Copy(OutboxMessage row) => new()
    {
        Id = row.Id, Topic = row.Topic, Key = row.Key, Type = row.Type, Payload = row.Payload, Headers = row.Headers,
        Status = row.Status, Attempts = row.Attempts, LastError = row.LastError, CreatedAt = row.CreatedAt, NextAttemptAt = row.NextAttemptAt,
        LeaseOwner = row.LeaseOwner, LeaseExpiresAt = row.LeaseExpiresAt,
    };
}
