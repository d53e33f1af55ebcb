using Outbox.Transport;

namespace Outbox.Core.Tests.Relay;

/// <summary>A fake <see cref="IOutboxTransport"/>: records what was sent, in order, and answers from a script.</summary>
internal sealed class FakeOutboxTransport : IOutboxTransport
{
    private readonly Lock gate = new();

    /// <summary>Gets every message id "delivered", in send order (what a topic would hold).</summary>
    public List<Guid> Delivered { get; } = [];

    /// <summary>Gets or sets the answer for a message; the default delivers everything.</summary>
    public Func<OutboxMessage, OutboxSendResult> Answer { get; set; } = _ => OutboxSendResult.Delivered;

    public Exception? ThrowOnSend { get; set; }

    public Func<CancellationToken, Task>? BeforeSend { get; set; }

    /// <summary>Gets or sets what the fake declares; by default a send takes at most 1 second.</summary>
    public OutboxTransportLimits Limits { get; set; } = new(TimeSpan.FromSeconds(1), 1_000_000);

    /// <summary>Gets the send windows the relay gave, one per call.</summary>
    public List<TimeSpan> SendWindows { get; } = [];

    public async Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, TimeSpan sendWithin, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            SendWindows.Add(sendWithin);
        }

        if (BeforeSend is not null)
        {
            await BeforeSend(cancellationToken);
        }

        if (ThrowOnSend is not null)
        {
            throw ThrowOnSend;
        }

        var results = new List<OutboxSendResult>(messages.Count);
        lock (gate)
        {
            foreach (OutboxMessage message in messages)
            {
                OutboxSendResult result = Answer(message);
                if (result.Status == OutboxSendStatus.Delivered)
                {
                    Delivered.Add(message.Id);
                }

                results.Add(result);
            }
        }

        return results;
    }
}
