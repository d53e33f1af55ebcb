using Concert.Domain;
using Concert.Infrastructure.Kafka;
using Microsoft.EntityFrameworkCore;
using Outbox;

namespace Concert.Infrastructure.Persistence;

/// <summary>The app's database: the concert tables, the consumers' de-duplication log and the outbox table.</summary>
internal sealed class ConcertDbContext(DbContextOptions<ConcertDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<Show> Shows => Set<Show>();

    public DbSet<Seat> Seats => Set<Seat>();

    public DbSet<SeatReservation> Reservations => Set<SeatReservation>();

    public DbSet<Payment> Payments => Set<Payment>();

    public DbSet<ConsumedMessage> ConsumedMessages => Set<ConsumedMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ConcertDbContext).Assembly);

        // The outbox table lives in this database, so IOutbox rows commit with the business rows.
        modelBuilder.AddOutboxMessages();
    }
}
