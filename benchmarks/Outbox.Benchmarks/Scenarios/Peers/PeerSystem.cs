namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>A system of the peer comparison: its id (in progress lines and topic names), its row name, and how to start it for a run.</summary>
internal sealed record PeerSystem(string Id, string Name, Func<PeerRun, Task<IPeerSystem>> StartAsync);
