namespace Outbox.PostgreSql.Relay;

/// <summary>One streamed message in the relay's memory: sent, waiting to be (again), or resolved (acknowledged, or written DEAD).</summary>
internal sealed class LogEntry(OutboxMessage message, LogTransaction transaction)
{
    public OutboxMessage Message { get; } = message;

    public LogTransaction Transaction { get; } = transaction;

    /// <summary>Gets or sets when it may be sent again (a <see cref="TimeProvider"/> timestamp; 0: at once).</summary>
    public long DueAt { get; set; }

    public bool InFlight { get; set; }

    public bool Resolved { get; set; }

    /// <summary>Gets or sets the error it goes DEAD with, while writing it DEAD waits for the database.</summary>
    public string? DeadError { get; set; }
}
