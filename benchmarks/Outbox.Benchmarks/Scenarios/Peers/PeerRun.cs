namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>What one run gives the system under test: a fresh database and a fresh topic on the shared servers.</summary>
/// <param name="Producer">The --producer settings, for every producer of the run.</param>
internal sealed record PeerRun(string ConnectionString, string Topic, string BootstrapServers, IReadOnlyDictionary<string, string> Producer);
