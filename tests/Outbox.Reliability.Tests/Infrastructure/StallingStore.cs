namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// A relay process that stalls (a long GC pause, a frozen VM, SIGSTOP) right after its first claim
/// that returned messages: the claim is made, then nothing happens for <paramref name="stall"/>.
/// Everything else passes through to the real store.
/// </summary>
public sealed class StallingStore(IOutboxStore inner, TimeSpan stall) : IOutboxStore
{
    private int stalled;

    /// <summary>Gets the messages of the claim that stalled.</summary>
    public IReadOnlyList<OutboxMessage> StalledClaim { get; private set; } = [];

    /// <summary>Gets when the stall ended.</summary>
    public TaskCompletionSource Resumed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<IReadOnlyList<OutboxMessage>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken = default) =>
        await StallOnceAsync(await inner.ClaimAsync(claim, cancellationToken));

    public async Task<(int Recorded, IReadOnlyList<OutboxMessage> Claimed)> RecordOutcomesAndClaimAsync(IReadOnlyList<OutboxOutcome> outcomes, OutboxClaim claim, CancellationToken cancellationToken = default)
    {
        (int recorded, IReadOnlyList<OutboxMessage> claimed) = await inner.RecordOutcomesAndClaimAsync(outcomes, claim, cancellationToken);
        return (recorded, await StallOnceAsync(claimed));
    }

    public Task<int> RecordOutcomesAsync(IReadOnlyList<OutboxOutcome> outcomes, CancellationToken cancellationToken = default) => inner.RecordOutcomesAsync(outcomes, cancellationToken);

    public Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default) => inner.ConfirmAsync(messageIds, cancellationToken);

    public Task<OutboxSummary> GetSummaryAsync(CancellationToken cancellationToken = default) => inner.GetSummaryAsync(cancellationToken);

    public Task<IReadOnlyList<OutboxMessage>> ListDeadAsync(int limit, CancellationToken cancellationToken = default) => inner.ListDeadAsync(limit, cancellationToken);

    public Task<int> RequeueDeadAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default) => inner.RequeueDeadAsync(messageIds, cancellationToken);

    public Task<int> DeleteFinishedAsync(OutboxStatus status, TimeSpan retention, int limit, CancellationToken cancellationToken = default) => inner.DeleteFinishedAsync(status, retention, limit, cancellationToken);

    private async Task<IReadOnlyList<OutboxMessage>> StallOnceAsync(IReadOnlyList<OutboxMessage> claimed)
    {
        if (claimed.Count > 0 && Interlocked.Exchange(ref stalled, 1) == 0)
        {
            StalledClaim = claimed;
            await Task.Delay(stall, CancellationToken.None);
            Resumed.TrySetResult();
        }

        return claimed;
    }
}
