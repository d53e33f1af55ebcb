namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>
/// One system of the peer comparison, started for one run: it commits business transactions the
/// way its users write them (and, when it has one, gets each transaction's event to Kafka).
/// </summary>
internal interface IPeerSystem : IAsyncDisposable
{
    /// <summary>Gets whether each transaction's event reaches Kafka; when not, only the writes are timed.</summary>
    bool Delivers { get; }

    /// <summary>Gets the tables whose writes are the outbox's own (writes per delivered message).</summary>
    IReadOnlyList<string> OutboxTables { get; }

    /// <summary>Commits one business transaction: the order row and, with an outbox or a producer, its event.</summary>
    /// <returns>The <see cref="System.Diagnostics.Stopwatch"/> timestamp when the commit returned to the writer.</returns>
    Task<long> WriteAsync(PeerOrder order);

    /// <summary>Waits until the system has recorded every message it sent (its completion writes are done).</summary>
    Task WaitSettledAsync(CancellationToken cancellationToken);
}
