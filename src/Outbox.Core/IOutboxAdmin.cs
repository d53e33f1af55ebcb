using Outbox.Storage;

namespace Outbox;

/// <summary>Operator tasks: look at the backlog and the dead messages, and requeue them once the cause is fixed.</summary>
public interface IOutboxAdmin
{
    /// <summary>Gets the message counts by status and the age of the oldest unfinished message.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The summary.</returns>
    Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the INIT, PUBLISH and DEAD counts and the age of the oldest unfinished message now,
    /// with the store's index-only query (<see cref="IOutboxAdminStore.GetBacklogAsync"/>): cheap
    /// whatever the number of completed rows, unlike <see cref="GetSummaryAsync"/>, and not the
    /// gauges' cached reading.
    /// </summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The backlog.</returns>
    Task<OutboxBacklog> GetBacklogAsync(CancellationToken cancellationToken = default);

    /// <summary>Lists <see cref="OutboxStatus.Dead"/> messages, oldest first, with their last error.</summary>
    /// <param name="limit">The most messages to return, 1 to 10,000.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The dead messages.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is outside 1 to 10,000.</exception>
    Task<IReadOnlyList<OutboxMessage>> ListDeadAsync(int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Gets one message by id, whatever its status, with its headers, payload and last error.</summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The message, or <see langword="null"/> when there is none with that id (never written, or deleted by retention).</returns>
    Task<OutboxMessage?> GetMessageAsync(Guid messageId, CancellationToken cancellationToken = default);

    /// <summary>Moves dead messages back to <see cref="OutboxStatus.Init"/> (attempts reset) so the relay sends them again.</summary>
    /// <param name="messageIds">The messages; ids that are not DEAD are ignored.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many were requeued.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="messageIds"/> is <see langword="null"/>.</exception>
    Task<int> RequeueAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default);
}
