namespace Outbox.Storage;

/// <summary>
/// The lease a direct send writes its messages under (see <see cref="IOutboxDirectSend.TryOwn"/>):
/// the relay's owner name and the lease's end on the database's clock, estimated from a recent
/// reading of that clock and this process's monotonic clock (never from its wall clock).
/// </summary>
public sealed class OutboxOwnership
{
    internal OutboxOwnership(string leaseOwner, DateTimeOffset leaseExpiresAt, long started, TimeSpan uncertainty)
    {
        LeaseOwner = leaseOwner;
        LeaseExpiresAt = leaseExpiresAt;
        Started = started;
        Uncertainty = uncertainty;
    }

    /// <summary>Gets the owner to write in <see cref="OutboxMessage.LeaseOwner"/>.</summary>
    public string LeaseOwner { get; }

    /// <summary>Gets the lease's end to write in <see cref="OutboxMessage.LeaseExpiresAt"/>, on the database's clock (UTC).</summary>
    public DateTimeOffset LeaseExpiresAt { get; }

    /// <summary>Gets when the lease started, on the relay's monotonic clock (<see cref="TimeProvider.GetTimestamp"/>): the relay fences its sends from here.</summary>
    internal long Started { get; }

    /// <summary>Gets how far the estimate of the database's clock may be off.</summary>
    internal TimeSpan Uncertainty { get; }
}
