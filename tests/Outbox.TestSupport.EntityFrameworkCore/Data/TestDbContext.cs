using Microsoft.EntityFrameworkCore;

namespace Outbox.TestSupport.Data;

/// <summary>A small application DbContext: one business table plus the outbox and the inbox.</summary>
public class TestDbContext(DbContextOptions<TestDbContext> options) : DbContext(options)
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
        modelBuilder.AddOutboxMessages();
        modelBuilder.AddOutboxInbox();
    }
}

/// <summary>The business row written together with events.</summary>
public sealed class Order
{
    public Guid Id { get; set; }

    public string Customer { get; set; } = string.Empty;

    public decimal Amount { get; set; }
}

/// <summary>A typed event payload.</summary>
public sealed record OrderPlaced(Guid OrderId, string Customer, decimal Amount);
