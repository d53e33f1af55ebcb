using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Outbox.Inbox;

namespace Outbox.EntityFrameworkCore.Inbox;

/// <summary>The inbox in <typeparamref name="TContext"/>'s database: records are entities of the scope's context, saved by its <c>SaveChanges</c>.</summary>
internal sealed class EntityFrameworkOutboxInbox<TContext>(TContext context, TimeProvider timeProvider) : IOutboxInbox
    where TContext : DbContext
{
    public async ValueTask<bool> TryRecordAsync(string consumer, Guid messageId, CancellationToken cancellationToken = default)
    {
        ValidateConsumer(consumer);
        if (messageId == Guid.Empty)
        {
            throw new ArgumentException("The message id is empty. Pass the message's outbox-message-id header, or handle a message without one through HandleOnceAsync with a null id.", nameof(messageId));
        }

        DbSet<InboxRecord> records = Records();
        if (records.Local.Any(r => r.MessageId == messageId && r.Consumer == consumer)
            || await records.AsNoTracking().AnyAsync(r => r.Consumer == consumer && r.MessageId == messageId, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        records.Add(new InboxRecord { Consumer = consumer, MessageId = messageId, ReceivedAt = timeProvider.GetUtcNow().UtcDateTime });
        return true;
    }

    public async Task<bool> HandleOnceAsync(string consumer, Guid? messageId, Func<CancellationToken, Task> handler, CancellationToken cancellationToken = default)
    {
        ValidateConsumer(consumer);
        ArgumentNullException.ThrowIfNull(handler);
        if (messageId == Guid.Empty)
        {
            throw new ArgumentException("The message id is empty. Pass the message's outbox-message-id header, or null for a message without one.", nameof(messageId));
        }

        if (context.Database.CurrentTransaction is not null || System.Transactions.Transaction.Current is not null)
        {
            return await HandleInTransactionAsync(consumer, messageId, handler, cancellationToken).ConfigureAwait(false);
        }

        // A retrying execution strategy refuses transactions it does not run: each attempt is a
        // new transaction over a cleared change tracker.
        IExecutionStrategy strategy = context.Database.CreateExecutionStrategy();
        int attempt = 0;
        return await strategy.ExecuteAsync(
            async ct =>
            {
                if (attempt++ > 0)
                {
                    context.ChangeTracker.Clear();
                }

                await using IDbContextTransaction transaction = await context.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
                if (!await HandleInTransactionAsync(consumer, messageId, handler, ct).ConfigureAwait(false))
                {
                    return false; // a duplicate: nothing was written, the transaction rolls back
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> HandleInTransactionAsync(string consumer, Guid? messageId, Func<CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        if (messageId is { } id && !await TryRecordAsync(consumer, id, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await handler(cancellationToken).ConfigureAwait(false);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private DbSet<InboxRecord> Records() =>
        context.Model.FindEntityType(typeof(InboxRecord)) is null
            ? throw new InvalidOperationException(
                $"{typeof(TContext).Name}'s model has no inbox table. Call modelBuilder.AddOutboxInbox() in its OnModelCreating and add a migration (or EnsureCreated).")
            : context.Set<InboxRecord>();

    private static void ValidateConsumer(string consumer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumer);
        if (consumer.Length > IOutboxInbox.MaxConsumerLength)
        {
            throw new ArgumentException($"The consumer name is {consumer.Length} characters; the inbox table holds at most {IOutboxInbox.MaxConsumerLength}. Use a shorter name (for example the consumer group).", nameof(consumer));
        }
    }
}
