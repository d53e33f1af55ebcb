namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>The event of the peer workload, serialized to JSON by each system as its users would (padded by <paramref name="Note"/> to the payload size).</summary>
public sealed record OrderPlacedEvent(Guid OrderId, string Customer, decimal Amount, string Note);
