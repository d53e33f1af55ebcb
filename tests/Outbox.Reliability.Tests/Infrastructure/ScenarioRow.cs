namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>One row of the reliability table.</summary>
/// <param name="Scenario">The scenario, numbered as in the issue ("1a", "2", …) followed by a short description.</param>
/// <param name="Written">Messages committed (the ids the application's transactions committed).</param>
/// <param name="Delivered">Distinct committed ids read back from the topic by a real consumer.</param>
/// <param name="Duplicates">Records read minus distinct ids (at-least-once re-sends, same message id).</param>
/// <param name="DrainTime">From the end of writing (or of the fault) until no message was INIT or PUBLISH.</param>
/// <param name="Notes">What else the scenario checked.</param>
public sealed record ScenarioRow(string Scenario, long Written, long Delivered, long Duplicates, TimeSpan DrainTime, string Notes)
{
    /// <summary>Gets the committed messages that never arrived.</summary>
    public long Lost => Written - Delivered;

    /// <summary>Creates the row from a delivery count.</summary>
    public static ScenarioRow From(string scenario, DeliveryCount count, Drain drain, string notes) =>
        new(scenario, count.Written, count.Delivered, count.Duplicates, drain.Time, drain.Problem + notes);
}
