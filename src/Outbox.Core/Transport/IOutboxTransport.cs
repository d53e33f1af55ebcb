namespace Outbox;

/// <summary>Sends claimed messages to a broker and reports, per message, what happened.</summary>
public interface IOutboxTransport
{
    /// <summary>
    /// Sends the messages and waits for the broker's answer for each. Messages with the same
    /// key are given in order and must be sent in that order.
    /// </summary>
    /// <param name="messages">The messages, oldest first.</param>
    /// <param name="cancellationToken">Cancelled when the host stops; the transport reports unfinished sends as <see cref="OutboxSendStatus.Failed"/>.</param>
    /// <returns>One result per message, in the same order.</returns>
    Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken = default);
}
