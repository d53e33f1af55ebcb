using Outbox.Transport;

namespace Outbox.Reliability.Writer;

/// <summary>
/// The transport of a relay that dies during a send: it sends the first <c>sendCount(batch)</c>
/// messages of a batch (and waits for the broker's acknowledgements), prints
/// "<paramref name="idLine"/> &lt;id&gt;" for each acknowledged one and
/// "<paramref name="summaryLine"/> &lt;n&gt; OF &lt;batch&gt;", then never returns to the relay,
/// so nothing of the batch is recorded. (Decorating the transport, not the store, keeps this
/// independent of the store interface: the relay records outcomes only after the transport returns.)
/// </summary>
internal sealed class HangingTransport(IOutboxTransport inner, Func<int, int> sendCount, string idLine, string summaryLine) : IOutboxTransport
{
    /// <summary>Sends the whole batch, then hangs: the relay dies after the broker's ack, before COMPLETE.</summary>
    public static HangingTransport AfterAck(IOutboxTransport inner) => new(inner, batch => batch, "ACKED", "ACKED-ALL");

    /// <summary>Sends the first half of the batch, then hangs: the relay dies in the middle of a batch.</summary>
    public static HangingTransport MidBatch(IOutboxTransport inner) => new(inner, batch => batch / 2, "SENT", "HALF-SENT");

    public OutboxTransportLimits Limits => inner.Limits;

    public async Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, TimeSpan sendWithin, CancellationToken cancellationToken = default)
    {
        OutboxMessage[] sent = messages.Take(sendCount(messages.Count)).ToArray();
        IReadOnlyList<OutboxSendResult> results = await inner.SendAsync(sent, sendWithin, cancellationToken);
        int acked = 0;
        for (int i = 0; i < sent.Length; i++)
        {
            if (results[i].Status == OutboxSendStatus.Delivered)
            {
                Console.WriteLine($"{idLine} {sent[i].Id}");
                acked++;
            }
        }

        Console.WriteLine($"{summaryLine} {acked} OF {messages.Count}");
        await Task.Delay(Timeout.Infinite, CancellationToken.None);
        throw new InvalidOperationException("unreachable");
    }
}
