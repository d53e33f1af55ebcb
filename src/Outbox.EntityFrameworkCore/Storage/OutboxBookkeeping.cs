using Outbox.EntityFrameworkCore.Sql;

namespace Outbox.EntityFrameworkCore.Storage;

/// <summary>What one bookkeeping call did.</summary>
/// <param name="Applied">How many outcomes were applied.</param>
/// <param name="Claimed">The claimed rows, in position order.</param>
/// <param name="WindowCount">How many unfinished rows the key-order claim's window held, or <see langword="null"/> when it had none.</param>
/// <param name="Ids">The ids a direct-send statement returned (<see cref="OutboxStatementKind.Ids"/>), or <see langword="null"/>.</param>
internal sealed record OutboxBookkeeping(int Applied, IReadOnlyList<OutboxMessage> Claimed, long? WindowCount, IReadOnlyList<Guid>? Ids = null);
