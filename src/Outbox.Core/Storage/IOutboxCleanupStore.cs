namespace Outbox.Storage;

/// <summary>What retention needs of a store: delete finished messages once the options no longer keep them.</summary>
public interface IOutboxCleanupStore
{
    /// <summary>Deletes at most <paramref name="limit"/> messages in <paramref name="status"/> (<see cref="OutboxStatus.Complete"/> or <see cref="OutboxStatus.Dead"/>) that reached it longer than <paramref name="retention"/> ago. Never touches other statuses.</summary>
    /// <param name="status">The final status whose rows to delete.</param>
    /// <param name="retention">How long rows are kept after they reached <paramref name="status"/>, on the database's clock.</param>
    /// <param name="limit">The most rows to delete in this call (keeps each statement short).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many were deleted.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not a final status.</exception>
    Task<int> DeleteFinishedAsync(OutboxStatus status, TimeSpan retention, int limit, CancellationToken cancellationToken = default);

}
