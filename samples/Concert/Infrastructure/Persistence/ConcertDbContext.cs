using Concert.Domain;
using Microsoft.EntityFrameworkCore;
using Outbox;

namespace Concert.Infrastructure.Persistence;

/// <summary>The app's database: the concert tables, the outbox table and the consumers' inbox.</summary>
internal sealed class ConcertDbContext(DbContextOptions<ConcertDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<Show> Shows => Set<Show>();

    public DbSet<Seat> Seats => Set<Seat>();

    public DbSet<SeatReservation> Reservations => Set<SeatReservation>();

    public DbSet<Payment> Payments => Set<Payment>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ConcertDbContext).Assembly);

        // The outbox table lives in this database, so IOutbox rows commit with the business rows.
        modelBuilder.AddOutboxMessages();

        // The inbox: each consumer group's handled message ids, committed with what the handler changed.
        modelBuilder.AddOutboxInbox();
    }
}
