namespace Outbox.Kafka.Inbox;

/// <summary>What one <c>AddKafkaInboxConsumer</c> call asked for: the group (also the inbox's consumer name) and its topics.</summary>
internal sealed record KafkaInboxConsumerSettings(string GroupId, IReadOnlyList<string> Topics);
