using Concert.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Concert.Infrastructure.Persistence.Configurations;

internal sealed class SeatReservationConfiguration : IEntityTypeConfiguration<SeatReservation>
{
    public void Configure(EntityTypeBuilder<SeatReservation> builder)
    {
        builder.ToTable("reservations");
        builder.HasOne<User>().WithMany().HasForeignKey(r => r.UserId);
        builder.HasOne<Seat>().WithMany().HasForeignKey(r => r.SeatId);
    }
}
