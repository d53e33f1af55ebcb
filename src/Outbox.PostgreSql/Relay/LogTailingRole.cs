namespace Outbox.PostgreSql.Relay;

/// <summary>What this instance's log-tailing relay is doing.</summary>
internal enum LogTailingRole
{
    /// <summary>Not started, or stopped.</summary>
    Stopped,

    /// <summary>It holds the slot and streams.</summary>
    Streaming,

    /// <summary>Another instance holds the slot; this one takes over when it lets go.</summary>
    Standby,

    /// <summary>Its last attempt to stream failed (set-up missing, database away); it retries.</summary>
    Failing,
}
