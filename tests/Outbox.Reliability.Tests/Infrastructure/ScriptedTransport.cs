using Outbox.Transport;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// The real transport with a script in front: for each message, <paramref name="answer"/> may
/// answer instead of the broker (say, a failure with text the database cannot store); the rest
/// are sent for real. Counts the messages handed to the real transport.
/// </summary>
public sealed class ScriptedTransport(IOutboxTransport inner, Func<OutboxMessage, OutboxSendResult?> answer) : IOutboxTransport
{
    private int sent;

    public OutboxTransportLimits Limits => inner.Limits;

    /// <summary>Gets how many messages went to the real transport.</summary>
    public int Sent => Volatile.Read(ref sent);

    public async Task<IReadOnlyList<OutboxSendResult>> SendAsync(IReadOnlyList<OutboxMessage> messages, TimeSpan sendWithin, CancellationToken cancellationToken = default)
    {
        var results = new OutboxSendResult[messages.Count];
        var real = new List<int>();
        for (int i = 0; i < messages.Count; i++)
        {
            if (answer(messages[i]) is { } scripted)
            {
                results[i] = scripted;
            }
            else
            {
                real.Add(i);
            }
        }

        if (real.Count > 0)
        {
            IReadOnlyList<OutboxSendResult> sentResults = await inner.SendAsync(real.Select(i => messages[i]).ToArray(), sendWithin, cancellationToken);
            Interlocked.Add(ref sent, real.Count);
            for (int j = 0; j < real.Count; j++)
            {
                results[real[j]] = sentResults[j];
            }
        }

        return results;
    }
}
