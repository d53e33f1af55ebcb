namespace Concert.Domain;

/// <summary>
/// A business rule said no (seat taken, not enough points, hold expired). The API answers 409
/// with <see cref="Reason"/>, so a client can tell the cases apart without parsing text.
/// </summary>
internal sealed class DomainRuleException(string reason, string message) : Exception(message)
{
    /// <summary>Gets a short, stable, kebab-case code such as <c>seat-sold</c>.</summary>
    public string Reason { get; } = reason;
}
