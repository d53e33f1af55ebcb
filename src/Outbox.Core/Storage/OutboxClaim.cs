namespace Outbox;

/// <summary>A request to claim messages for sending.</summary>
/// <param name="LeaseOwner">The relay instance claiming.</param>
/// <param name="BatchSize">The most messages to claim.</param>
/// <param name="Now">The current time: messages due at or before it are claimable.</param>
/// <param name="LeaseExpiresAt">When the claim expires.</param>
/// <param name="PreserveKeyOrder">Whether to claim only the oldest unfinished message of each key.</param>
public readonly record struct OutboxClaim(string LeaseOwner, int BatchSize, DateTimeOffset Now, DateTimeOffset LeaseExpiresAt, bool PreserveKeyOrder);
