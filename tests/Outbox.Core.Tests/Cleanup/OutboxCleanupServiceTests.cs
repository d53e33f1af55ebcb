using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Outbox.Cleanup;
using Outbox.Core.Tests.Relay;
using Outbox.Storage;

namespace Outbox.Core.Tests.Cleanup;

public sealed class OutboxCleanupServiceTests
{
    [Fact]
    public async Task CleanOnceAsync_ManyExpired_DeletesThemInBatchesAndKeepsRecentAndUnfinished()
    {
        var clock = new FakeTimeProvider();
        var store = new FakeOutboxStore(clock);
        var options = new OutboxOptions { CompletedRetention = TimeSpan.FromHours(1), CleanupBatchSize = 3 };
        var factory = new OutboxMessageFactory(Options.Create(options), clock);
        OutboxMessage Add(OutboxStatus status, TimeSpan completedAgo)
        {
            OutboxMessage m = factory.CreateRaw("t", null, [1]);
            m.Status = status;
            m.CompletedAt = status is OutboxStatus.Complete or OutboxStatus.Dead ? clock.GetUtcNow() - completedAgo : null;
            store.Add(m);
            return m;
        }

        var expired = Enumerable.Range(0, 7).Select(_ => Add(OutboxStatus.Complete, TimeSpan.FromHours(2))).ToList();
        OutboxMessage recent = Add(OutboxStatus.Complete, TimeSpan.FromMinutes(5));
        OutboxMessage pending = Add(OutboxStatus.Init, TimeSpan.Zero);
        OutboxMessage dead = Add(OutboxStatus.Dead, TimeSpan.FromDays(13));
        OutboxMessage expiredDead = Add(OutboxStatus.Dead, TimeSpan.FromDays(15));
        await using ServiceProvider services = new ServiceCollection().AddOutboxStoreContracts(store).BuildServiceProvider();
        var cleanup = new OutboxCleanupService(services.GetRequiredService<IServiceScopeFactory>(), Options.Create(options), clock, NullLogger<OutboxCleanupService>.Instance);

        int deleted = await cleanup.CleanOnceAsync(CancellationToken.None);

        deleted.Should().Be(8, "7 COMPLETE rows past CompletedRetention and 1 DEAD row past the 14-day DeadRetention");
        store.Invoking(s => s.Get(expiredDead.Id)).Should().Throw<InvalidOperationException>();
        (await store.GetSummaryAsync()).Should().BeEquivalentTo(new { Init = 1L, Complete = 1L, Dead = 1L });
        store.Get(recent.Id).Should().NotBeNull();
        store.Get(pending.Id).Should().NotBeNull();
        store.Get(dead.Id).Should().NotBeNull();
    }
}
