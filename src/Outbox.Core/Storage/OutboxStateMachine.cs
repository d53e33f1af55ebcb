namespace Outbox.Storage;

/// <summary>
/// The one place that says which status changes are legal. Stores make every update
/// conditional on the expected current status, which they take from here.
/// </summary>
/// <remarks>
/// <code>
/// INIT ──claim──▶ PUBLISH ──ack──▶ COMPLETE
///  ▲                │  │
///  └─retry/release──┘  └─attempts exhausted or non-retriable──▶ DEAD ──requeue──▶ INIT
/// PUBLISH ──lease expired, claimed by another relay──▶ PUBLISH
/// </code>
/// </remarks>
public static class OutboxStateMachine
{
    /// <summary>Returns whether a message may move from <paramref name="from"/> to <paramref name="to"/>.</summary>
    /// <param name="from">The current status.</param>
    /// <param name="to">The requested status.</param>
    /// <returns><see langword="true"/> when the transition is legal.</returns>
    public static bool CanTransition(OutboxStatus from, OutboxStatus to) => (from, to) switch
    {
        (OutboxStatus.Init, OutboxStatus.Publish) => true,      // claimed by a relay
        (OutboxStatus.Publish, OutboxStatus.Publish) => true,   // lease expired, claimed again
        (OutboxStatus.Publish, OutboxStatus.Complete) => true,  // broker acknowledged
        (OutboxStatus.Publish, OutboxStatus.Init) => true,      // send failed (retry later) or claim released
        (OutboxStatus.Publish, OutboxStatus.Dead) => true,      // attempts exhausted or non-retriable
        (OutboxStatus.Dead, OutboxStatus.Init) => true,         // operator requeue
        _ => false,
    };

    /// <summary>Throws when the transition is not legal.</summary>
    /// <param name="from">The current status.</param>
    /// <param name="to">The requested status.</param>
    /// <exception cref="InvalidOperationException">The transition is not legal.</exception>
    public static void EnsureTransition(OutboxStatus from, OutboxStatus to)
    {
        if (!CanTransition(from, to))
        {
            throw new InvalidOperationException(
                $"An outbox message cannot move from {from} to {to}. Legal moves: INIT→PUBLISH, PUBLISH→PUBLISH (lease takeover), PUBLISH→COMPLETE, PUBLISH→INIT, PUBLISH→DEAD, DEAD→INIT.");
        }
    }

    /// <summary>The statuses a message may be in for a store to move it to <paramref name="to"/>.</summary>
    /// <param name="to">The target status.</param>
    /// <returns>The legal source statuses, possibly empty.</returns>
    public static IReadOnlyList<OutboxStatus> SourcesOf(OutboxStatus to) =>
        Enum.GetValues<OutboxStatus>().Where(from => CanTransition(from, to)).ToArray();

    /// <summary>Whether a relay still has work to do for a message in this status.</summary>
    /// <param name="status">The status.</param>
    /// <returns><see langword="true"/> for <see cref="OutboxStatus.Init"/> and <see cref="OutboxStatus.Publish"/>.</returns>
    public static bool IsUnfinished(OutboxStatus status) => status is OutboxStatus.Init or OutboxStatus.Publish;
}
