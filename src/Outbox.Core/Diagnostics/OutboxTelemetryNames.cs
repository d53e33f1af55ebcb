namespace Outbox.Diagnostics;

/// <summary>Instrument and attribute names of <c>Outbox.Core</c>'s meter (OpenTelemetry conventions where one applies, <c>outbox.*</c> otherwise).</summary>
internal static class OutboxTelemetryNames
{
    public const string RelayPassDuration = "outbox.relay.batch.duration";
    public const string MessageCount = "outbox.messages.count";
    public const string OldestUnfinishedAge = "outbox.messages.oldest_unfinished.age";

    public const string RelayName = "outbox.relay.name";
    public const string Status = "outbox.message.status";
    public const string DestinationName = "messaging.destination.name";

    /// <summary>The messaging conventions' advice for durations, in seconds, up to the default lease (20 s).</summary>
    public static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20];
}
