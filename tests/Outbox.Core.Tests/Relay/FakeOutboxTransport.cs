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

    public async Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken = default)
    {
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
