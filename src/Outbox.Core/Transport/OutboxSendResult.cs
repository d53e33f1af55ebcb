namespace Outbox.Transport;

/// <summary>The outcome of sending one message.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Error">The error, for <see cref="OutboxSendStatus.Failed"/> and <see cref="OutboxSendStatus.Rejected"/>.</param>
public readonly record struct OutboxSendResult(OutboxSendStatus Status, string? Error = null)
{
    /// <summary>Gets the result for an acknowledged message.</summary>
    public static OutboxSendResult Delivered { get; } = new(OutboxSendStatus.Delivered);

    /// <summary>Creates the result for a transient failure.</summary>
    /// <param name="error">What went wrong.</param>
    /// <returns>The result.</returns>
    public static OutboxSendResult Failed(string error) => new(OutboxSendStatus.Failed, error);

    /// <summary>Gets the result for a message that was not sent.</summary>
    public static OutboxSendResult NotSent { get; } = new(OutboxSendStatus.NotSent);

    /// <summary>Creates the result for a failure of the message itself.</summary>
    /// <param name="error">What went wrong.</param>
    /// <returns>The result.</returns>
    public static OutboxSendResult Rejected(string error) => new(OutboxSendStatus.Rejected, error);
}
