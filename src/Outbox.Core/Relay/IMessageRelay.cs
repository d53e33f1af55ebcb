namespace Outbox.Relay;

/// <summary>Moves messages from the store to the transport. The hosted relay calls it in a loop; tests and tools may call it directly.</summary>
public interface IMessageRelay
{
    /// <summary>Runs one pass: claims a batch, sends it, and records every outcome in one store round trip.</summary>
    /// <param name="cancellationToken">The cancellation token. A pass cancelled after its claim releases the claimed messages.</param>
    /// <returns>How many messages the pass claimed; 0 when nothing was due.</returns>
    Task<int> RelayOnceAsync(CancellationToken cancellationToken = default);
}
