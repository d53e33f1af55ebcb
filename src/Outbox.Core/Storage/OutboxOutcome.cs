namespace Outbox;

/// <summary>The result of sending one claimed message, as the store records it.</summary>
/// <param name="MessageId">The message.</param>
/// <param name="Status">The new status: <see cref="OutboxStatus.Complete"/>, <see cref="OutboxStatus.Init"/> (retry later, or a released claim) or <see cref="OutboxStatus.Dead"/>.</param>
/// <param name="Attempts">The failed-send count to store.</param>
/// <param name="NextAttemptAt">When the message is due again; stored only with <see cref="OutboxStatus.Init"/> (other statuses keep the stored value).</param>
/// <param name="LastError">The error to store, or <see langword="null"/> to keep the last one.</param>
/// <param name="At">When the outcome happened (stored as the completion time for <see cref="OutboxStatus.Complete"/>).</param>
public readonly record struct OutboxOutcome(Guid MessageId, OutboxStatus Status, int Attempts, DateTimeOffset NextAttemptAt, string? LastError, DateTimeOffset At);
