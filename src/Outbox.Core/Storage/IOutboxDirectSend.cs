namespace Outbox.Storage;

/// <summary>
/// Direct sends, for store implementations: a message written in a process whose relay runs is
/// owned by that relay from its insert (<see cref="OutboxStatus.Publish"/> under the lease
/// <see cref="TryOwn"/> gives) and sent from memory as soon as its transaction commits, with no
/// claim: its insert and its completion are its only writes. The relay's claims take over what a
/// crash, a restart or a lost commit left behind, after the lease. The EF Core store does this in
/// <c>SaveChanges</c>; a store that does not still works, through claims.
/// </summary>
public interface IOutboxDirectSend
{
    /// <summary>
    /// Gets the lease to write new messages under, just before they are inserted; or
    /// <see langword="null"/> when they must be written <see cref="OutboxStatus.Init"/> for the
    /// relay's claims (the relay is off, not started or stopping, or direct sends are backed up).
    /// Write the messages <see cref="OutboxStatus.Publish"/> with <see cref="OutboxOwnership.LeaseOwner"/>
    /// and <see cref="OutboxOwnership.LeaseExpiresAt"/>, and call <see cref="Committed"/> only if
    /// their transaction's commit can be seen.
    /// </summary>
    /// <returns>The lease, or <see langword="null"/>.</returns>
    OutboxOwnership? TryOwn();

    /// <summary>Hands over messages written under <paramref name="ownership"/> whose transaction committed. Cheap and safe from any thread.</summary>
    /// <param name="ownership">The lease they were written under.</param>
    /// <param name="messages">The messages, in the order they were added.</param>
    void Committed(OutboxOwnership ownership, IReadOnlyList<OutboxMessage> messages);
}
