using Outbox.TestSupport.Data;

namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>One business transaction of the peer workload: an order row and its event, keyed by the order id.</summary>
/// <param name="Index">The transaction's index in the run (the key of the bare-SQL floor's row).</param>
/// <param name="Row">The <c>orders</c> row, a new entity for each transaction.</param>
/// <param name="Key">The Kafka key: the order id, so every message has its own key and the consumer matches it to its commit.</param>
internal sealed record PeerOrder(long Index, Order Row, string Key, OrderPlacedEvent Event);
