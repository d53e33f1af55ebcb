namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>One row of the reliability table.</summary>
/// <param name="Scenario">The scenario, numbered as in the issue ("1a", "2", …) followed by a short description.</param>
/// <param name="Written">Messages committed (the ids the application's transactions committed).</param>
/// <param name="Delivered">Distinct committed ids read back from the topic by a real consumer.</param>
/// <param name="Duplicates">Records read minus distinct ids (at-least-once re-sends, same message id).</param>
/// <param name="DrainTime">From the end of writing (or of the fault) until no message was INIT or PUBLISH.</param>
/// <param name="Notes">What else the scenario checked.</param>
/// <param name="OrderViolations">Keys whose messages first reached the topic out of the expected order (commit order where the scenario tracks it, else the database position), or <see langword="null"/> where order does not apply.</param>
/// <param name="MaxInFlightPerKey">The most messages of one key seen in flight at once (sampled every 20 ms).</param>
public sealed record ScenarioRow(string Scenario, long Written, long Delivered, long Duplicates, TimeSpan DrainTime, string Notes, int? OrderViolations = null, int MaxInFlightPerKey = 0)
{
    /// <summary>Gets the committed messages that never arrived.</summary>
    public long Lost => Written - Delivered;

    /// <summary>Creates the row from a delivery count; order is checked against the database positions unless <paramref name="orderViolations"/> gives the scenario's own count.</summary>
    public static ScenarioRow From(string scenario, DeliveryCount count, Drain drain, string notes, int? orderViolations = null) =>
        new(scenario, count.Written, count.Delivered, count.Duplicates, drain.Time, drain.Problem + notes, orderViolations ?? count.PositionOrderViolations.Count);
}
