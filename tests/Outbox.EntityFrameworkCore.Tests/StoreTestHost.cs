using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Outbox.Storage;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Fakes;
using Outbox.TestSupport.PostgreSql;
using Outbox.TestSupport.Servers;
using Outbox.TestSupport.SqlServer;
using Outbox.TestSupport.Storage;

namespace Outbox.EntityFrameworkCore.Tests;

/// <summary>A service provider with the EF Core store on a fresh database, a fake clock and a recording signal; no relay.</summary>
public sealed class StoreTestHost : IOutboxStoreTestTarget
{
    private StoreTestHost(TestDatabase database, ServiceProvider services, FakeTimeProvider clock, OffsetTimeProvider writerClock, RecordingSignal signal)
    {
        Database = database;
        Services = services;
        Clock = clock;
        WriterClock = writerClock;
        Signal = signal;
    }

    public TestDatabase Database { get; }

    public ServiceProvider Services { get; }

    public FakeTimeProvider Clock { get; }

    /// <summary>Gets the clock the services see: <see cref="Clock"/> plus an offset a test may set, even backwards (writers with wrong clocks).</summary>
    public OffsetTimeProvider WriterClock { get; }

    public RecordingSignal Signal { get; }

    public static async Task<StoreTestHost> CreateAsync(DatabaseKind kind, IDatabaseServer? server, Action<OutboxOptions>? configure = null)
    {
        TestDatabase database = await TestDatabase.CreateAsync(kind, server);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var writerClock = new OffsetTimeProvider(TimeSpan.Zero, clock);
        var signal = new RecordingSignal();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(writerClock);
        services.AddSingleton<IOutboxSignal>(signal);
        services.AddDbContext<TestDbContext>(o => database.Configure(o));
        services.AddOutbox(o =>
        {
            o.EnableRelay = false;
            configure?.Invoke(o);
        }).UseEntityFrameworkCore<TestDbContext>();
        return new StoreTestHost(database, services.BuildServiceProvider(), clock, writerClock, signal);
    }

    /// <summary>Commits <paramref name="count"/> events for <paramref name="key"/> in one transaction and returns them.</summary>
    public async Task<IReadOnlyList<OutboxMessage>> WriteAsync(int count, string? key = "k", string topic = "orders")
    {
        await using AsyncServiceScope scope = Services.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<IOutbox>();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var messages = new List<OutboxMessage>();
        for (int i = 0; i < count; i++)
        {
            var order = new Order { Id = Guid.NewGuid(), Customer = "c" + i, Amount = i };
            context.Orders.Add(order);
            OutboxStagedMessage staged = outbox.Add(topic, key, new OrderPlaced(order.Id, order.Customer, order.Amount));
            messages.Add(context.Set<OutboxMessage>().Find(staged.Id)!); // the row as the store will save it
        }

        await context.SaveChangesAsync();
        return messages;
    }

    public async Task<T> WithStoreAsync<T>(Func<IOutboxStore, Task<T>> action)
    {
        await using AsyncServiceScope scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<IOutboxStore>());
    }

    /// <summary>Runs <paramref name="action"/> with the direct-send contract of a store in a scope of its own.</summary>
    public async Task<T> WithDirectSendStoreAsync<T>(Func<IOutboxDirectSendStore, Task<T>> action)
    {
        await using AsyncServiceScope scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<IOutboxDirectSendStore>());
    }

    public Task<IReadOnlyList<OutboxMessage>> ClaimAsync(string owner, int batchSize = 100, bool preserveKeyOrder = true, TimeSpan? lease = null) =>
        WithStoreAsync(store => store.ClaimAsync(new OutboxClaim(owner, batchSize, lease ?? TimeSpan.FromMinutes(1), preserveKeyOrder)));

    /// <summary>
    /// Lets <paramref name="elapsed"/> pass for the rows: every stored time moves that far into the
    /// past (the store reads "now" from the database's clock, which a test cannot advance).
    /// </summary>
    public async Task AgeAsync(TimeSpan elapsed)
    {
        await using TestDbContext context = Database.CreateContext();
        foreach (OutboxMessage row in context.Set<OutboxMessage>())
        {
            row.CreatedAt -= elapsed;
            row.NextAttemptAt -= elapsed;
            row.PublishedAt -= elapsed;
            row.CompletedAt -= elapsed;
            row.LeaseExpiresAt -= elapsed;
        }

        await context.SaveChangesAsync();
    }

    /// <summary>
    /// Makes committed rows owned from their insert, as a direct send writes them: PUBLISH under
    /// <paramref name="owner"/>, the lease running <paramref name="lease"/> from now, never claimed.
    /// </summary>
    public async Task OwnAsync(IEnumerable<OutboxMessage> messages, string owner, TimeSpan lease)
    {
        var ids = messages.Select(m => m.Id).ToHashSet();
        await using TestDbContext context = Database.CreateContext();
        foreach (OutboxMessage row in context.Set<OutboxMessage>().AsEnumerable().Where(r => ids.Contains(r.Id)))
        {
            row.Status = OutboxStatus.Publish;
            row.LeaseOwner = owner;
            row.LeaseExpiresAt = DateTimeOffset.UtcNow + lease;
        }

        await context.SaveChangesAsync();
    }

    public async Task<List<OutboxMessage>> ReadAllAsync()
    {
        await using TestDbContext context = Database.CreateContext();
        var rows = context.Set<OutboxMessage>().AsEnumerable().ToList();
        rows.Sort((a, b) => a.Id.CompareTo(b.Id));
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>A fake <see cref="IOutboxSignal"/> that counts notifications.</summary>
    public sealed class RecordingSignal : IOutboxSignal
    {
        private int count;

        public int Count => Volatile.Read(ref count);

        public void Notify() => Interlocked.Increment(ref count);
    }
}
