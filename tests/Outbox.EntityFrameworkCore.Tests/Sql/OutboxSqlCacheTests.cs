using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Outbox.EntityFrameworkCore.Sql;

namespace Outbox.EntityFrameworkCore.Tests.Sql;

/// <summary><see cref="OutboxSql.Cache{TContext}"/>: one entry per model, so a per-tenant model reads its own table.</summary>
public sealed class OutboxSqlCacheTests
{
    [Fact]
    public void Get_SameTypeWithTwoModels_GivesEachItsOwnTable()
    {
        var cache = new OutboxSql.Cache<TenantDb>();
        using TenantDb a = TenantDb.Create("a");
        using TenantDb b = TenantDb.Create("b");
        using TenantDb a2 = TenantDb.Create("a");

        a.Model.Should().NotBeSameAs(b.Model, "the key factory gives each tenant its own model");
        cache.Get(a).Table.UnquotedName.Should().Be("outbox_a");
        cache.Get(b).Table.UnquotedName.Should().Be("outbox_b");
        cache.Get(a2).Should().BeSameAs(cache.Get(a), "one model, one cached entry");
    }

    private sealed class TenantDb(DbContextOptions<TenantDb> options, string tenant) : DbContext(options)
    {
        public string Tenant { get; } = tenant;

        public static TenantDb Create(string tenant) => new(
            new DbContextOptionsBuilder<TenantDb>()
                .UseSqlite("Data Source=:memory:")
                .ReplaceService<IModelCacheKeyFactory, TenantKeyFactory>()
                .Options,
            tenant);

        protected override void OnModelCreating(ModelBuilder modelBuilder) =>
            modelBuilder.AddOutboxMessages(o => o.TableName = "outbox_" + Tenant);
    }

    private sealed class TenantKeyFactory : IModelCacheKeyFactory
    {
        public object Create(DbContext context, bool designTime) => (context.GetType(), ((TenantDb)context).Tenant, designTime);
    }
}
