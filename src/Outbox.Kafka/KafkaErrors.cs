using Confluent.Kafka;
using Outbox.Transport;

namespace Outbox.Kafka;

/// <summary>Maps Kafka errors to send results: errors about the message reject it, the rest fail it for a retry.</summary>
internal static class KafkaErrors
{
    // Errors about the message itself, which no retry can fix: it goes DEAD at once. Errors about
    // the topic or the cluster (authorization, an unknown topic or partition, timeouts, no leader,
    // policies) are retried with backoff: an operator can fix those, and a backlog must not go DEAD
    // in one pass because a topic was briefly missing or not yet authorized.
    private static readonly HashSet<ErrorCode> Permanent =
    [
        ErrorCode.MsgSizeTooLarge, // also the local check against message.max.bytes
        ErrorCode.RecordListTooLarge,
        ErrorCode.InvalidMsgSize,
        ErrorCode.InvalidMsg,
        ErrorCode.InvalidRecord,
        ErrorCode.TopicException, // an illegal topic name: the message's own topic
        ErrorCode.Local_InvalidArg,
        ErrorCode.Local_KeySerialization,
        ErrorCode.Local_ValueSerialization,
    ];

    public static bool IsPermanent(ErrorCode code) => Permanent.Contains(code);

    /// <summary>Gets the result of a delivery report.</summary>
    public static OutboxSendResult ToResult<TKey, TValue>(DeliveryReport<TKey, TValue> report)
    {
        Error error = report.Error;
        if (error.Code == ErrorCode.NoError)
        {
            // An ack without an offset (a "duplicate sequence" answer) is not proof the record is
            // in the log: send it again (same message id) rather than risk a loss.
            return report.Status == PersistenceStatus.Persisted && report.Offset.Value >= 0
                ? OutboxSendResult.Delivered
                : OutboxSendResult.Failed($"the broker did not confirm the message at an offset ({report.Status}, offset {report.Offset})");
        }

        return ToResult(error);
    }

    /// <summary>Gets the result of an error known when producing or reported on delivery.</summary>
    public static OutboxSendResult ToResult(Error error) =>
        IsPermanent(error.Code) ? OutboxSendResult.Rejected(Describe(error)) : OutboxSendResult.Failed(Describe(error));

    public static string Describe(Error error) => $"{error.Code}: {error.Reason}";
}
