using Outbox.TestSupport.PostgreSql;

namespace Outbox.EndToEnd.Tests.Operations;

/// <summary>
/// The telemetry tests run alone, after the parallel ones. The OpenTelemetry SDK merges same-named
/// instruments of every host's meter into one stream, and when another test's host stops, that
/// stream stops taking this host's measurements: the gauges would freeze mid-test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection : ICollectionFixture<PostgreSqlServer>
{
    public const string Name = "Telemetry";
}
