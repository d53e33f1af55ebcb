using Concert.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Concert.Infrastructure.Persistence.Configurations;

internal sealed class ShowConfiguration : IEntityTypeConfiguration<Show>
{
    public void Configure(EntityTypeBuilder<Show> builder)
    {
        builder.ToTable("concerts");
        builder.Property(s => s.Title).HasMaxLength(200);
        builder.HasMany(s => s.Seats).WithOne().HasForeignKey(s => s.ShowId);
    }
}
