namespace Outbox.Health;

/// <summary>The keys of the health check result's data.</summary>
internal static class OutboxHealthData
{
    public const string Relay = "relay";
    public const string RelayFailingForSeconds = "relay_failing_for_seconds";
    public const string RelayError = "relay_error";
    public const string Init = "init";
    public const string Publish = "publish";
    public const string Dead = "dead";
    public const string OldestUnfinishedAgeSeconds = "oldest_unfinished_age_seconds";
    public const string BacklogError = "backlog_error";
}
