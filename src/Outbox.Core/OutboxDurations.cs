namespace Outbox;

/// <summary>Duration limits as the invariant strings <c>[Range(typeof(TimeSpan), …)]</c> takes.</summary>
internal static class OutboxDurations
{
    /// <summary><see cref="TimeSpan.MaxValue"/>: the upper end of a range that only needs a lower one.</summary>
    public const string Max = "10675199.02:48:05.4775807";
}
