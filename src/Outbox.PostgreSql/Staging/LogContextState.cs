using System.Data.Common;

namespace Outbox.PostgreSql.Staging;

/// <summary>One context's messages bound for the log: staged, then being saved. A context is used by one thread at a time, so it needs no lock.</summary>
internal sealed class LogContextState
{
    /// <summary>Gets the messages staged since the last save.</summary>
    public List<OutboxMessage> Staged { get; } = [];

    /// <summary>Gets or sets the frames of the save in progress, or <see langword="null"/> outside a save.</summary>
    public List<byte[]>? Saving { get; set; }

    /// <summary>Gets or sets the messages of the save in progress (staged again if it fails).</summary>
    public List<OutboxMessage>? SavingMessages { get; set; }

    /// <summary>Gets or sets whether this save attempt's frames went out with one of its commands.</summary>
    public bool Written { get; set; }

    /// <summary>Gets or sets the transaction the frames were written in, so a save retried in a new transaction writes them again.</summary>
    public DbTransaction? WrittenIn { get; set; }
}
