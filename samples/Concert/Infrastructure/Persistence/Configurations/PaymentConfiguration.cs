using Concert.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Concert.Infrastructure.Persistence.Configurations;

internal sealed class PaymentConfiguration : IEntityTypeConfiguration<Payment>
{
    public void Configure(EntityTypeBuilder<Payment> builder)
    {
        builder.ToTable("payments");
        builder.HasOne<SeatReservation>().WithMany().HasForeignKey(p => p.ReservationId);

        // A reservation is paid once, even if two payment requests race past the status check.
        builder.HasIndex(p => p.ReservationId).IsUnique();
    }
}
