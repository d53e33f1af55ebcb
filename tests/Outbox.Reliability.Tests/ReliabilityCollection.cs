using Outbox.TestSupport.PostgreSql;

namespace Outbox.Reliability.Tests;

/// <summary>
/// Every scenario runs in this one collection, one at a time: they inject faults and measure
/// drain times, so they must not compete with each other for the two cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ReliabilityCollection : ICollectionFixture<PostgreSqlServer>
{
    public const string Name = "Reliability";
}
