using Outbox.Storage;

namespace Outbox.TestSupport.Storage;

/// <summary>A store for <see cref="OutboxStoreContractTests"/>: the store itself and what a test needs around it.</summary>
public interface IOutboxStoreTestTarget : IAsyncDisposable
{
    /// <summary>Commits <paramref name="count"/> messages for <paramref name="key"/>, in order, and returns them.</summary>
    Task<IReadOnlyList<OutboxMessage>> WriteAsync(int count, string? key = "k", string topic = "orders");

    /// <summary>Runs <paramref name="action"/> on the store (a fresh scope for a real one).</summary>
    Task<T> WithStoreAsync<T>(Func<IOutboxStore, Task<T>> action);

    /// <summary>Runs <paramref name="action"/> on the store's direct-send contract.</summary>
    Task<T> WithDirectSendStoreAsync<T>(Func<IOutboxDirectSendStore, Task<T>> action);

    Task<IReadOnlyList<OutboxMessage>> ClaimAsync(string owner, int batchSize = 100, bool preserveKeyOrder = true, TimeSpan? lease = null);

    /// <summary>Lets <paramref name="elapsed"/> pass on the store's clock.</summary>
    Task AgeAsync(TimeSpan elapsed);

    /// <summary>Makes committed messages owned from their insert, as a direct send writes them: PUBLISH under <paramref name="owner"/>, never claimed.</summary>
    Task OwnAsync(IEnumerable<OutboxMessage> messages, string owner, TimeSpan lease);

    /// <summary>Reads every row as stored, in id (write) order.</summary>
    Task<List<OutboxMessage>> ReadAllAsync();
}
