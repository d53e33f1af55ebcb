namespace Outbox.PostgreSql.Relay;

/// <summary>The relay's state for the health check and the lag gauge: its role, since when, the last failure, and the slot's last sampled lag.</summary>
internal sealed class LogTailingState(TimeProvider timeProvider)
{
    private readonly object gate = new();

    public LogTailingRole Role { get; private set; }

    public DateTimeOffset Since { get; private set; } = timeProvider.GetUtcNow();

    public Exception? LastFailure { get; private set; }

    /// <summary>Gets the slot's lag in bytes of write-ahead log, or <see langword="null"/> before the first sample (or when the slot is missing).</summary>
    public long? LagBytes { get; private set; }

    /// <summary>Gets whether some instance streamed from the slot at the last sample.</summary>
    public bool SlotActive { get; private set; }

    public void Enter(LogTailingRole role, Exception? failure = null)
    {
        lock (gate)
        {
            if (role != Role)
            {
                Since = timeProvider.GetUtcNow();
            }

            Role = role;
            LastFailure = failure;
        }
    }

    public void Sampled(long? lagBytes, bool active)
    {
        LagBytes = lagBytes;
        SlotActive = active;
    }
}
