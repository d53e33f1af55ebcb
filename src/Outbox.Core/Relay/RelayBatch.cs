namespace Outbox.Relay;

/// <summary>One batch a source handed to a relay worker: the messages, whose lease they are held under, and how long that lease lets the worker send.</summary>
/// <param name="Messages">The messages, in the order they must be sent.</param>
/// <param name="LeaseOwner">The owner the outcomes must name.</param>
/// <param name="LeaseStarted">When the lease began on this process's monotonic clock (<see cref="TimeProvider.GetTimestamp"/>), never later than the database's start of it.</param>
/// <param name="LeaseDuration">How long the lease lasts from then.</param>
internal sealed record RelayBatch(IReadOnlyList<OutboxMessage> Messages, string LeaseOwner, long LeaseStarted, TimeSpan LeaseDuration)
{
    /// <summary>Gets how many messages the batch holds.</summary>
    public int Count => Messages.Count;
}
