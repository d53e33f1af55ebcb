using System.Text;
using Confluent.Kafka;
using Outbox.Kafka.Inbox;
using Outbox.TestSupport.Data;

namespace Outbox.Reliability.Writer;

/// <summary>
/// The consumer modes' handler: its business effect is one order row per handling, named by the
/// record's message id, with no unique key, so a record handled twice shows as two rows.
/// </summary>
internal sealed class RecordingInboxHandler(TestDbContext db) : IKafkaInboxHandler
{
    public Task HandleAsync(ConsumeResult<string?, byte[]> record, CancellationToken cancellationToken)
    {
        string id = record.Message.Headers.TryGetLastBytes(OutboxHeaderNames.MessageId, out byte[] bytes) ? Encoding.UTF8.GetString(bytes) : "unidentified";
        db.Orders.Add(new Order { Id = Guid.NewGuid(), Customer = id, Amount = record.Offset.Value });
        return Task.CompletedTask;
    }
}
