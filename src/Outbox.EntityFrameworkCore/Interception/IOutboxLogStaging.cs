using Microsoft.EntityFrameworkCore;

namespace Outbox.EntityFrameworkCore.Interception;

/// <summary>
/// Where <see cref="IOutbox"/> stages messages when a store writes them to the database's log
/// instead of the outbox table (Outbox.PostgreSql's log-tailing relay): the message is validated
/// as for the table, then handed here rather than added to the context, and written by the
/// context's next <c>SaveChanges</c>, in its transaction.
/// </summary>
internal interface IOutboxLogStaging
{
    /// <summary>Stages <paramref name="message"/> for <paramref name="context"/>'s next save.</summary>
    /// <param name="context">The context whose save writes it.</param>
    /// <param name="message">The validated message.</param>
    void Stage(DbContext context, OutboxMessage message);
}
