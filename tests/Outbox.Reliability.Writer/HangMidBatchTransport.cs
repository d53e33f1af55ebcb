namespace Outbox.Reliability.Writer;

/// <summary>
/// The transport of a relay that dies in the middle of a batch: it sends the first half of the
/// batch (and waits for the broker's acknowledgements), announces them, and never sends the rest.
/// </summary>
internal sealed class HangMidBatchTransport(IOutboxTransport inner) : IOutboxTransport
{
    public async Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken = default)
    {
        OutboxMessage[] firstHalf = messages.Take(messages.Count / 2).ToArray();
        IReadOnlyList<OutboxSendResult> results = await inner.SendAsync(firstHalf, cancellationToken);
        int sent = 0;
        for (int i = 0; i < firstHalf.Length; i++)
        {
            if (results[i].Status == OutboxSendStatus.Delivered)
            {
                Console.WriteLine($"SENT {firstHalf[i].Id}");
                sent++;
            }
        }

        Console.WriteLine($"HALF-SENT {sent} OF {messages.Count}");
        await Task.Delay(Timeout.Infinite, CancellationToken.None);
        throw new InvalidOperationException("unreachable");
    }
}
