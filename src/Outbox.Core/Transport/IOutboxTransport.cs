namespace Outbox.Transport;

/// <summary>Sends claimed messages to a broker and reports, per message, what happened.</summary>
public interface IOutboxTransport
{
    /// <summary>
    /// Gets what this transport can send: the longest a send may take before it reaches the broker
    /// or fails (the relay's lease must outlast it), the largest record, and the topics it accepts.
    /// <see cref="IOutbox"/> refuses what the transport could not send.
    /// </summary>
    OutboxTransportLimits Limits { get; }

    /// <summary>
    /// Sends the messages and waits for the broker's answer for each. Messages with the same
    /// key are given in order and must be sent in that order. No message may reach the broker
    /// later than <paramref name="sendWithin"/> after this call: the relay's lease ends then and
    /// another relay may take the message over. A message the transport cannot start early enough
    /// for that is not sent at all and reported <see cref="OutboxSendStatus.NotSent"/>.
    /// </summary>
    /// <param name="messages">The messages, in position order.</param>
    /// <param name="sendWithin">How long from now every send must be over.</param>
    /// <param name="cancellationToken">Cancelled when the host stops; the transport reports sends it did not start as <see cref="OutboxSendStatus.NotSent"/> and unfinished ones as <see cref="OutboxSendStatus.Failed"/>.</param>
    /// <returns>One result per message, in the same order.</returns>
    Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, TimeSpan sendWithin, CancellationToken cancellationToken = default);
}
