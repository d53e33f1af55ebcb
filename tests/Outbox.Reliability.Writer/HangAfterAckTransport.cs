namespace Outbox.Reliability.Writer;

/// <summary>
/// The transport of a relay that dies after the broker acknowledged a batch but before COMPLETE is
/// recorded: it sends the batch, announces the acknowledged ids on stdout and never returns them
/// to the relay, so nothing is recorded. (Decorating the transport, not the store, keeps this
/// independent of the store interface: the relay records outcomes only after the transport returns.)
/// </summary>
internal sealed class HangAfterAckTransport(IOutboxTransport inner) : IOutboxTransport
{
    public async Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<OutboxSendResult> results = await inner.SendAsync(messages, cancellationToken);
        int acked = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            if (results[i].Status == OutboxSendStatus.Delivered)
            {
                Console.WriteLine($"ACKED {messages[i].Id}");
                acked++;
            }
        }

        Console.WriteLine($"ACKED-ALL {acked} OF {messages.Count}");
        await Task.Delay(Timeout.Infinite, CancellationToken.None);
        throw new InvalidOperationException("unreachable");
    }
}
