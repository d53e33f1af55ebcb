using Concert.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Concert.Infrastructure.Persistence.Configurations;

internal sealed class SeatConfiguration : IEntityTypeConfiguration<Seat>
{
    public void Configure(EntityTypeBuilder<Seat> builder)
    {
        builder.ToTable("seats");
        builder.Property(s => s.Number).HasMaxLength(10);
        builder.HasIndex(s => new { s.ShowId, s.Number }).IsUnique();

        // UPDATE ... WHERE id = @id AND version = @read: the losing writer gets DbUpdateConcurrencyException.
        builder.Property(s => s.Version).IsConcurrencyToken();
    }
}
