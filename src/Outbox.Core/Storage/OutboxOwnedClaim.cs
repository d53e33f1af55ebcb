namespace Outbox.Storage;

/// <summary>
/// A request to send messages the relay already owns from their insert (written
/// <see cref="OutboxStatus.Publish"/> under <paramref name="LeaseOwner"/> by the application's
/// transaction; see <see cref="IOutboxDirectSend"/>) whose key's order must be kept. Nothing is
/// written for those that may go now; the others are given back to <see cref="OutboxStatus.Init"/>
/// for the relays' claims.
/// </summary>
/// <param name="LeaseOwner">The owner the messages were written under.</param>
/// <param name="MessageIds">The messages, at most one per key.</param>
public readonly record struct OutboxOwnedClaim(string LeaseOwner, IReadOnlyList<Guid> MessageIds);
