using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Messages;

namespace Outbox.PostgreSql.Relay;

/// <summary>
/// Writes streamed messages the relay gave up on into the outbox table as DEAD, where
/// <see cref="IOutboxAdmin"/> lists them and a requeue hands them to the polling relay. A message
/// streamed again after a crash finds its row and is not written twice.
/// </summary>
internal sealed class DeadMessageWriter(IServiceScopeFactory scopeFactory, LogTailingTarget target, TimeProvider timeProvider)
{
    public async Task WriteAsync(IReadOnlyList<LogEntry> entries, CancellationToken cancellationToken)
    {
        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        var context = (DbContext)scope.ServiceProvider.GetRequiredService(target.ContextType);
        Guid[] ids = entries.Select(e => e.Message.Id).ToArray();
        HashSet<Guid> existing = (await context.Set<OutboxMessage>().AsNoTracking().Where(m => ids.Contains(m.Id)).Select(m => m.Id).ToListAsync(cancellationToken).ConfigureAwait(false)).ToHashSet();
        DateTimeOffset now = timeProvider.GetUtcNow();
        foreach (LogEntry entry in entries.Where(e => !existing.Contains(e.Message.Id)))
        {
            OutboxMessage message = entry.Message;
            context.Set<OutboxMessage>().Add(new OutboxMessage
            {
                Id = message.Id,
                Topic = message.Topic,
                Key = message.Key,
                Type = message.Type,
                Payload = message.Payload,
                Headers = message.Headers,
                Status = OutboxStatus.Dead,
                Attempts = message.Attempts,
                CreatedAt = entry.Transaction.CommittedAt,
                NextAttemptAt = now,
                PublishedAt = entry.Transaction.CommittedAt,
                CompletedAt = now,
                LastError = OutboxText.ForStorage(entry.DeadError),
            });
        }

        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
