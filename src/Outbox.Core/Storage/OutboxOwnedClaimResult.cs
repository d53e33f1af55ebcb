namespace Outbox.Storage;

/// <summary>What became of an <see cref="OutboxOwnedClaim"/>, and of the outcomes recorded with it.</summary>
/// <param name="Recorded">How many outcomes were applied.</param>
/// <param name="Admitted">The messages that may be sent now, in position order: each is first in its key's order, and no other message of its key is in flight.</param>
/// <param name="Released">The messages given back to <see cref="OutboxStatus.Init"/>: another message of their key comes first. The ones in neither list are no longer held by the owner (a relay took them over after their lease).</param>
public sealed record OutboxOwnedClaimResult(int Recorded, IReadOnlyList<Guid> Admitted, IReadOnlyList<Guid> Released);
