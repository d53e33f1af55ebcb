using Microsoft.Extensions.Logging;
using Outbox.Transport;

namespace Outbox.Relay;

/// <summary>
/// The send step of the relay's pipeline, whatever the batch's source (the polling claim, direct
/// sends): one transport call per batch within the time its lease leaves, one result per message.
/// Messages whose takeovers used up their attempts (sent, never confirmed) are not sent again; a
/// transport that throws, or returns the wrong number of results, fails the whole batch (every
/// message is retried, none is lost). Cancellation is the caller's to handle.
/// </summary>
internal sealed partial class RelaySender(IOutboxTransport transport, OutboxOptions options, ILogger logger)
{
    /// <summary>Gets the transport's limits: a batch needs <see cref="OutboxTransportLimits.MaxDeliveryTime"/> of lease left to be sent.</summary>
    public OutboxTransportLimits Limits => transport.Limits;

    /// <summary>Sends <paramref name="messages"/>; when less than the transport's longest delivery is left of the lease, sends nothing and gives every message back.</summary>
    /// <param name="messages">The batch, in order.</param>
    /// <param name="sendWithin">What is left of the batch's lease, less the relay's margin.</param>
    /// <param name="cancellationToken">Cancelled when the host stops.</param>
    /// <returns>One result per message, in order.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled during the send.</exception>
    public async Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, TimeSpan sendWithin, CancellationToken cancellationToken)
    {
        if (sendWithin < transport.Limits.MaxDeliveryTime)
        {
            return Enumerable.Repeat(OutboxSendResult.NotSent, messages.Count).ToArray();
        }

        OutboxMessage[] toSend = messages.Where(m => m.Attempts < options.MaxAttempts).ToArray();
        try
        {
            IReadOnlyList<OutboxSendResult> sent = toSend.Length == 0 ? [] : await transport.SendAsync(toSend, sendWithin, cancellationToken).ConfigureAwait(false);
            if (sent.Count != toSend.Length)
            {
                throw new InvalidOperationException($"The transport returned {sent.Count} results for {toSend.Length} messages.");
            }

            if (toSend.Length == messages.Count)
            {
                return sent;
            }

            var results = new OutboxSendResult[messages.Count];
            for (int i = 0, j = 0; i < messages.Count; i++)
            {
                results[i] = messages[i].Attempts < options.MaxAttempts
                    ? sent[j++]
                    : OutboxSendResult.Failed($"sent {messages[i].Attempts} times and never completed before its lease ended (in Consumer confirmation mode: never read back)");
            }

            return results;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A transport bug or outage must not lose the batch: every message is retried.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.SendFailed(logger, messages.Count, ex);
            return Enumerable.Repeat(OutboxSendResult.Failed(ex.Message), messages.Count).ToArray();
        }
    }

    private static partial class Log
    {
        // Event ids 1000-1099: the relay.
        [LoggerMessage(1005, LogLevel.Warning, "The transport failed for a batch of {Count} messages; they will be retried")]
        public static partial void SendFailed(ILogger logger, int count, Exception exception);
    }
}
