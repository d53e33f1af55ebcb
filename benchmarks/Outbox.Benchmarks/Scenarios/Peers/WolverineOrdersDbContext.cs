using Microsoft.EntityFrameworkCore;
using Outbox.TestSupport.Data;

namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>A Wolverine user's DbContext: the same <c>orders</c> table as <see cref="TestDbContext"/>, without this library's outbox table (Wolverine maps its own envelope tables in).</summary>
public sealed class WolverineOrdersDbContext(DbContextOptions<WolverineOrdersDbContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>(order =>
        {
            order.ToTable("orders");
            order.HasKey(o => o.Id);
            order.Property(o => o.Id).ValueGeneratedNever();
            order.Property(o => o.Customer).HasMaxLength(100);
        });
    }
}
