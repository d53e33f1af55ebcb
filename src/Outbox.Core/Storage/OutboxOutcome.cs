namespace Outbox.Storage;

/// <summary>The result of sending one claimed message, as the store records it (times on the database's clock).</summary>
/// <param name="MessageId">The message.</param>
/// <param name="LeaseOwner">The claim that holds the message: the outcome applies only while the message is still <see cref="OutboxStatus.Publish"/> under it.</param>
/// <param name="Status">The new status: <see cref="OutboxStatus.Complete"/>, <see cref="OutboxStatus.Init"/> (retry later, or a claim given back) or <see cref="OutboxStatus.Dead"/>.</param>
/// <param name="Attempts">The failed-send count to store.</param>
/// <param name="RetryAfter">For <see cref="OutboxStatus.Init"/>: how long after the database's now the message is due again (<see cref="TimeSpan.Zero"/>: at once). Ignored otherwise.</param>
/// <param name="LastError">The error to store, or <see langword="null"/> to keep the last one.</param>
/// <param name="WasSent">
/// Whether a send was attempted, so the message may have reached the broker. A message that goes
/// back to <see cref="OutboxStatus.Init"/> after one then counts as claimed before
/// (<see cref="OutboxMessage.PublishedAt"/> is set if it was not), and its key's later messages
/// cannot overtake its retry; a message sent directly (owned from its insert) has none until then.
/// </param>
public readonly record struct OutboxOutcome(Guid MessageId, string LeaseOwner, OutboxStatus Status, int Attempts, TimeSpan RetryAfter, string? LastError, bool WasSent = false);
