namespace Outbox.Storage;

/// <summary>
/// A complete outbox store: the relay's claims and outcomes (<see cref="IOutboxRelayStore"/>),
/// operators' reads and requeue (<see cref="IOutboxAdminStore"/>), retention
/// (<see cref="IOutboxCleanupStore"/>) and confirmations (<see cref="IOutboxConfirmationStore"/>).
/// A store registers itself as this; each part of the outbox asks only for its own contract.
/// Direct sends need <see cref="IOutboxDirectSendStore"/> besides, registered by the stores that support them.
/// </summary>
public interface IOutboxStore : IOutboxRelayStore, IOutboxAdminStore, IOutboxCleanupStore, IOutboxConfirmationStore
{
}
