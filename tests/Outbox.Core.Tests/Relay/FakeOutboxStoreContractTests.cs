using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Outbox.Storage;
using Outbox.TestSupport.Storage;

namespace Outbox.Core.Tests.Relay;

/// <summary>The store contract the SQL stores pass, on the relay tests' in-memory fake: the fake keeps the same rules.</summary>
public sealed class FakeOutboxStoreContractTests : OutboxStoreContractTests
{
    protected override Task<IOutboxStoreTestTarget> CreateTargetAsync() => Task.FromResult<IOutboxStoreTestTarget>(new FakeTarget());

    private sealed class FakeTarget : IOutboxStoreTestTarget
    {
        private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
        private readonly FakeOutboxStore store;
        private readonly OutboxMessageFactory factory;

        public FakeTarget()
        {
            store = new FakeOutboxStore(clock);
            factory = new OutboxMessageFactory(Options.Create(new OutboxOptions()), clock);
        }

        public Task<IReadOnlyList<OutboxMessage>> WriteAsync(int count, string? key = "k", string topic = "orders")
        {
            var messages = new List<OutboxMessage>();
            for (int i = 0; i < count; i++)
            {
                OutboxMessage message = factory.CreateRaw(topic, key, [(byte)i]);
                store.Add(message);
                messages.Add(message);
            }

            return Task.FromResult<IReadOnlyList<OutboxMessage>>(messages);
        }

        public Task<T> WithStoreAsync<T>(Func<IOutboxStore, Task<T>> action) => action(store);

        public Task<T> WithDirectSendStoreAsync<T>(Func<IOutboxDirectSendStore, Task<T>> action) => action(store);

        public Task<IReadOnlyList<OutboxMessage>> ClaimAsync(string owner, int batchSize = 100, bool preserveKeyOrder = true, TimeSpan? lease = null) =>
            store.ClaimAsync(new OutboxClaim(owner, batchSize, lease ?? TimeSpan.FromMinutes(1), preserveKeyOrder));

        public Task AgeAsync(TimeSpan elapsed)
        {
            clock.Advance(elapsed);
            return Task.CompletedTask;
        }

        public Task OwnAsync(IEnumerable<OutboxMessage> messages, string owner, TimeSpan lease)
        {
            foreach (OutboxMessage message in messages)
            {
                store.Own(message.Id, owner, lease);
            }

            return Task.CompletedTask;
        }

        public Task<List<OutboxMessage>> ReadAllAsync() => Task.FromResult(store.ReadAll().OrderBy(r => r.Id).ToList());

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
