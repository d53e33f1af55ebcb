namespace Outbox.Storage;

/// <summary>A request to claim messages for sending. Times are the database's: the store computes "now" and the lease's end itself, so no relay's clock matters.</summary>
/// <param name="LeaseOwner">The claim's owner: the relay instance and the claim (outcomes apply only while it still holds the message).</param>
/// <param name="BatchSize">The most messages to claim.</param>
/// <param name="LeaseDuration">How long the claim lasts, from the database's now.</param>
/// <param name="PreserveKeyOrder">Whether to claim a message only when no other message of its key is in flight and none earlier is unfinished.</param>
public readonly record struct OutboxClaim(string LeaseOwner, int BatchSize, TimeSpan LeaseDuration, bool PreserveKeyOrder);
