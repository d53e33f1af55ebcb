using NpgsqlTypes;

namespace Outbox.PostgreSql.Relay;

/// <summary>One committed transaction's outbox messages, as the log streamed them, and where in the log it ends: confirmable once none is left unresolved.</summary>
/// <remarks>Its <see cref="EndLsn"/>, the log position just past its commit, is set when the commit is streamed: confirming it tells the slot everything up to it is done.</remarks>
/// <param name="committedAt">Its commit time, on the database's clock (the created time of a message written DEAD).</param>
internal sealed class LogTransaction(DateTimeOffset committedAt)
{
    public NpgsqlLogSequenceNumber EndLsn { get; set; }

    public DateTimeOffset CommittedAt { get; } = committedAt;

    public List<LogEntry> Entries { get; } = [];

    /// <summary>Gets or sets how many of its messages are neither acknowledged nor DEAD.</summary>
    public int Unresolved { get; set; }
}
