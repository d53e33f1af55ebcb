namespace Outbox;

/// <summary>
/// What <see cref="IOutbox"/> hands back for a staged event: its identity, read-only. The row
/// itself (its status, attempts and lease) belongs to the store and the relay; nothing a caller
/// holds can change it.
/// </summary>
/// <param name="Id">The message id (a UUID version 7): the <see cref="OutboxHeaderNames.MessageId"/> header consumers deduplicate by.</param>
/// <param name="Topic">The destination topic.</param>
/// <param name="Key">The partitioning key, or <see langword="null"/>.</param>
/// <param name="Type">The event type name, or <see langword="null"/>.</param>
public sealed record OutboxStagedMessage(Guid Id, string Topic, string? Key, string? Type);
