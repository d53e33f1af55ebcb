namespace Outbox.Storage;

/// <summary>What operators' tools need of a store (<see cref="IOutboxAdmin"/>, the health check, the backlog gauges, the dashboard): counts, the backlog, DEAD messages and their requeue.</summary>
public interface IOutboxAdminStore
{
    /// <summary>Gets the message counts by status and the age of the oldest unfinished message.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The summary.</returns>
    Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets the INIT, PUBLISH and DEAD counts and the age of the oldest unfinished message with
    /// index-only reads, whatever the number of completed rows: the figures behind the backlog
    /// gauges and the health check, asked every few seconds. A store answers it without reading the
    /// whole table (the EF Core store reads only its indexes).
    /// </summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The backlog.</returns>
    Task<OutboxBacklog> GetBacklogAsync(CancellationToken cancellationToken = default);

    /// <summary>Lists <see cref="OutboxStatus.Dead"/> messages, oldest first.</summary>
    /// <param name="limit">The most messages to return.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The dead messages.</returns>
    Task<IReadOnlyList<OutboxMessage>> ListDeadAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets one message by id, whatever its status, with its payload and headers: what an
    /// operator looks at before requeuing it (the dashboard's message view).
    /// </summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The message, or <see langword="null"/> when there is none with that id (never written, or deleted by retention).</returns>
    Task<OutboxMessage?> GetMessageAsync(Guid messageId, CancellationToken cancellationToken = default);

    /// <summary>Moves <see cref="OutboxStatus.Dead"/> messages back to <see cref="OutboxStatus.Init"/>, due at once, with their attempts reset; they keep their position. Messages not DEAD are left alone.</summary>
    /// <param name="messageIds">The messages to requeue.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many were requeued.</returns>
    Task<int> RequeueDeadAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default);
}
