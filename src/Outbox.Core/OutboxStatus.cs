using Outbox.Storage;

namespace Outbox;

/// <summary>
/// Where an <see cref="OutboxMessage"/> is in its life. Stored as the numeric value.
/// <see cref="OutboxStateMachine"/> owns the legal transitions.
/// </summary>
public enum OutboxStatus
{
    /// <summary>Written with the business transaction; waiting for a relay (first send or a retry).</summary>
    Init = 0,

    /// <summary>Claimed by a relay under a lease and being sent to the broker.</summary>
    Publish = 1,

    /// <summary>The broker confirmed the message. Terminal until retention deletes the row.</summary>
    Complete = 2,

    /// <summary>Gave up: attempts exhausted or a non-retriable error. An operator may requeue it.</summary>
    Dead = 3,
}
