namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>How a backlog drained.</summary>
/// <param name="Time">From the scenario's reference point (end of writing, or of the fault) until nothing was INIT or PUBLISH; the time waited when it did not drain.</param>
/// <param name="Completed">Whether it drained before the timeout.</param>
/// <param name="Last">The last counts read.</param>
public sealed record Drain(TimeSpan Time, bool Completed, OutboxSummary Last)
{
    /// <summary>Describes a backlog that did not drain, for the table's notes; empty when it drained.</summary>
    public string Problem => Completed ? string.Empty : $"NOT DRAINED after {Time.TotalSeconds:0} s: INIT {Last.Init}, PUBLISH {Last.Publish}, COMPLETE {Last.Complete}, DEAD {Last.Dead}. ";

    /// <summary>Asserts the backlog drained.</summary>
    public void ShouldHaveDrained() => Completed.Should().BeTrue(Problem);
}
