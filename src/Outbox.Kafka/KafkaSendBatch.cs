using Confluent.Kafka;
using Outbox.Transport;

namespace Outbox.Kafka;

/// <summary>
/// The results of one <c>SendAsync</c> call: filled by delivery reports (on librdkafka's poll
/// thread) and by the send loop, completed by a countdown when every message has its result.
/// After <see cref="Close"/> late reports are ignored.
/// </summary>
internal sealed class KafkaSendBatch
{
    private readonly OutboxSendResult?[] results;
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock gate = new();
    private int remaining;
    private bool closed;

    public KafkaSendBatch(int count)
    {
        results = new OutboxSendResult?[count];
        remaining = count;
        if (count == 0)
        {
            completion.SetResult();
        }
    }

    /// <summary>Gets a task that completes when every message has a result.</summary>
    public Task Completion => completion.Task;

    /// <summary>Records a message's result; the first one counts.</summary>
    public void Complete(int index, OutboxSendResult result)
    {
        lock (gate)
        {
            if (closed || results[index] is not null)
            {
                return;
            }

            results[index] = result;
            if (--remaining == 0)
            {
                completion.TrySetResult();
            }
        }
    }

    /// <summary>Creates the delivery handler for one message.</summary>
    public Action<DeliveryReport<string?, byte[]>> HandlerFor(int index) =>
        report => Complete(index, KafkaErrors.ToResult(report));

    /// <summary>Stops taking results and returns them; messages with none are failed with <paramref name="unfinishedReason"/>.</summary>
    public OutboxSendResult[] Close(string unfinishedReason)
    {
        lock (gate)
        {
            closed = true;
            var final = new OutboxSendResult[results.Length];
            for (int i = 0; i < final.Length; i++)
            {
                final[i] = results[i] ?? OutboxSendResult.Failed(unfinishedReason);
            }

            return final;
        }
    }
}
