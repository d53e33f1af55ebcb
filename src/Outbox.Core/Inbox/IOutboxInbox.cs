namespace Outbox.Inbox;

/// <summary>
/// The consumer side: makes handling a message idempotent in the consumer's own database
/// transaction. The record of a handled message commits or rolls back with the handler's changes,
/// so a message delivered again (Kafka delivers at least once; the relay may send twice after a
/// crash) is recognised by its <c>outbox-message-id</c> and not handled again. Scoped: it works
/// in the scope's unit of work (with EF Core, the scope's <c>DbContext</c>). Records are deleted
/// after <see cref="OutboxOptions.InboxRetention"/>.
/// </summary>
public interface IOutboxInbox
{
    /// <summary>The longest consumer name the inbox records (with the message id, it fits a primary key on every database).</summary>
    const int MaxConsumerLength = 200;

    /// <summary>
    /// Records that <paramref name="consumer"/> handles <paramref name="messageId"/>, in the unit
    /// of work's next save (with EF Core, the context's next <c>SaveChanges</c>, in its
    /// transaction), and tells whether this is the first time. Call it inside the transaction
    /// that makes the handler's changes, before them; commit the consumer's offset only after
    /// that transaction committed.
    /// </summary>
    /// <param name="consumer">The consumer's name, usually its consumer group: each consumer handles each message once.</param>
    /// <param name="messageId">The message's <c>outbox-message-id</c> header.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns><see langword="true"/> when the message is new (handle it); <see langword="false"/> when it was recorded before (skip it).</returns>
    /// <exception cref="ArgumentException"><paramref name="consumer"/> is empty or too long, or <paramref name="messageId"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The database model has no inbox table.</exception>
    ValueTask<bool> TryRecordAsync(string consumer, Guid messageId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Handles a message at most once per <paramref name="consumer"/>: in one transaction, records
    /// <paramref name="messageId"/> (<see cref="TryRecordAsync"/>), runs <paramref name="handler"/>,
    /// saves what it changed and commits. A message recorded before is skipped and nothing is
    /// written. Inside a transaction the caller began, it records, handles and saves in that
    /// transaction, and the caller commits. A failing handler rolls everything back: the message
    /// may be handled again.
    /// </summary>
    /// <param name="consumer">The consumer's name, usually its consumer group.</param>
    /// <param name="messageId">
    /// The message's <c>outbox-message-id</c>, or <see langword="null"/> for a message without one:
    /// it is handled (in the same transaction) without de-duplication.
    /// </param>
    /// <param name="handler">Makes the message's changes in the same unit of work (the scope's <c>DbContext</c>); it may stage outbox messages.</param>
    /// <param name="cancellationToken">Cancels the work; the transaction rolls back.</param>
    /// <returns><see langword="true"/> when the handler ran and its transaction committed (or, in the caller's transaction, saved); <see langword="false"/> for a duplicate.</returns>
    /// <exception cref="ArgumentException"><paramref name="consumer"/> is empty or too long, or <paramref name="messageId"/> is <see cref="Guid.Empty"/>.</exception>
    Task<bool> HandleOnceAsync(string consumer, Guid? messageId, Func<CancellationToken, Task> handler, CancellationToken cancellationToken = default);
}
