using System.Data.Common;

namespace Outbox.EntityFrameworkCore;

/// <summary>
/// Stages outbox messages into an open ADO.NET transaction (Dapper, raw <c>DbCommand</c>s) on the
/// database of the DbContext registered with <c>UseEntityFrameworkCore&lt;TContext&gt;()</c>: the
/// row is inserted in that transaction at once, so it commits or rolls back with the business
/// change. Validation is <see cref="IOutbox"/>'s. Commit through <see cref="CommitAsync"/> to wake
/// the relay at once; a transaction committed any other way is found by the next poll
/// (<see cref="OutboxOptions.PollingInterval"/>). Rows are written INIT: direct sends need the
/// commit seen by EF Core.
/// </summary>
public interface IDbTransactionOutbox
{
    /// <summary>Inserts a typed event into <paramref name="transaction"/>, serialized as UTF-8 JSON with <see cref="OutboxOptions.JsonSerializerOptions"/>.</summary>
    /// <typeparam name="TPayload">The event type. Its name is the default <see cref="OutboxMessage.Type"/>.</typeparam>
    /// <param name="transaction">An open transaction on the outbox table's database (Npgsql, SqlClient or Microsoft.Data.Sqlite, as the DbContext's provider).</param>
    /// <param name="topic">The destination topic, as for <see cref="IOutbox.Add{TPayload}"/>.</param>
    /// <param name="key">The partitioning key, or <see langword="null"/>.</param>
    /// <param name="payload">The event. Must not be <see langword="null"/>.</param>
    /// <param name="headers">Extra headers, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the insert.</param>
    /// <returns>The staged message's identity.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="transaction"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The transaction has ended or belongs to another kind of database; or the message is refused as by <see cref="IOutbox.Add{TPayload}"/>. Nothing is inserted.</exception>
    Task<OutboxStagedMessage> AddAsync<TPayload>(DbTransaction transaction, string topic, string? key, TPayload payload, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default);

    /// <summary>Inserts an event whose payload is already serialized into <paramref name="transaction"/>.</summary>
    /// <param name="transaction">An open transaction on the outbox table's database.</param>
    /// <param name="topic">The destination topic, as for <see cref="IOutbox.AddRaw"/>.</param>
    /// <param name="key">The partitioning key, or <see langword="null"/>.</param>
    /// <param name="payload">The payload bytes. Must not be <see langword="null"/>.</param>
    /// <param name="type">The event type name consumers dispatch on, or <see langword="null"/>.</param>
    /// <param name="headers">Extra headers, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the insert.</param>
    /// <returns>The staged message's identity.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="transaction"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The transaction has ended or belongs to another kind of database; or the message is refused as by <see cref="IOutbox.AddRaw"/>. Nothing is inserted.</exception>
    Task<OutboxStagedMessage> AddRawAsync(DbTransaction transaction, string topic, string? key, byte[] payload, string? type = null, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default);

    /// <summary>Commits <paramref name="transaction"/>, then wakes the relay for the messages it staged.</summary>
    /// <param name="transaction">The transaction to commit.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>A task that completes once the transaction committed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="transaction"/> is <see langword="null"/>.</exception>
    Task CommitAsync(DbTransaction transaction, CancellationToken cancellationToken = default);
}
