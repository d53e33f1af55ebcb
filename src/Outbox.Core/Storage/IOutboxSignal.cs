namespace Outbox.Storage;

/// <summary>
/// Wakes the relay at once. Stores call it after a transaction that wrote outbox messages
/// commits, so latency is not the polling interval. Call it yourself after writing messages by
/// other means.
/// </summary>
public interface IOutboxSignal
{
    /// <summary>Signals that committed messages are waiting. Cheap and safe from any thread.</summary>
    void Notify();
}
