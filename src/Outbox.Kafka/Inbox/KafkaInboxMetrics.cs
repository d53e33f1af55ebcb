using System.Diagnostics.Metrics;
using Outbox.Diagnostics;

namespace Outbox.Kafka.Inbox;

/// <summary>The inbox consumers' count of records by outcome: handled, duplicate (skipped), unidentified (handled without de-duplication).</summary>
internal sealed class KafkaInboxMetrics(IMeterFactory? meterFactory)
{
    public const string Handled = "handled";
    public const string Duplicate = "duplicate";
    public const string Unidentified = "unidentified";

    private readonly Counter<long> records = (meterFactory?.Create(OutboxDiagnostics.KafkaMeterName) ?? new Meter(OutboxDiagnostics.KafkaMeterName))
        .CreateCounter<long>("outbox.inbox.records", "{record}", "Records inbox consumers read, by outcome.");

    public void Count(string groupId, string outcome) =>
        records.Add(1, new KeyValuePair<string, object?>("messaging.consumer.group.name", groupId), new KeyValuePair<string, object?>("outbox.inbox.outcome", outcome));
}
