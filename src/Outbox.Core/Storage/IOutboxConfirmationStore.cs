namespace Outbox.Storage;

/// <summary>What a transport's confirmation path needs of a store: complete the messages a confirmation (a consumer that read them back) says arrived.</summary>
public interface IOutboxConfirmationStore
{
    /// <summary>
    /// Marks messages <see cref="OutboxStatus.Complete"/> that a confirmation (for example a
    /// consumer that read them from the topic) says arrived, whoever holds their lease. Only
    /// <see cref="OutboxStatus.Publish"/> messages move; with zero retention they are deleted.
    /// </summary>
    /// <param name="messageIds">The confirmed messages.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many messages moved to COMPLETE.</returns>
    Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default);
}
