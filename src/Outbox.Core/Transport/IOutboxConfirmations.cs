namespace Outbox.Transport;

/// <summary>
/// Records confirmations that arrive outside the relay's send (for a transport that learns of a
/// delivery later, such as Kafka's confirmation consumer): the messages move PUBLISH → COMPLETE
/// in the store, and the outbox counts them delivered and logs them as the relay does.
/// Registered by <c>AddOutbox</c>; a singleton, safe to call from any thread.
/// </summary>
public interface IOutboxConfirmations
{
    /// <summary>Completes the confirmed messages that are still in <see cref="OutboxStatus.Publish"/>, in a scope of their own.</summary>
    /// <param name="messageIds">The ids of the confirmed messages; an id already complete, or unknown, is ignored.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many messages moved to COMPLETE.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="messageIds"/> is <see langword="null"/>.</exception>
    /// <remarks>Store failures (the database is down) are thrown to the caller, which keeps the confirmations and tries again.</remarks>
    Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default);
}
