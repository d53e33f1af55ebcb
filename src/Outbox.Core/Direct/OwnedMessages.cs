using Outbox.Storage;

namespace Outbox.Direct;

/// <summary>Messages of one committed write and the lease they were written under.</summary>
internal sealed record OwnedMessages(OutboxOwnership Ownership, IReadOnlyList<OutboxMessage> Messages);
