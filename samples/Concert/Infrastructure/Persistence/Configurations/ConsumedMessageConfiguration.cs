using Concert.Infrastructure.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Concert.Infrastructure.Persistence.Configurations;

internal sealed class ConsumedMessageConfiguration : IEntityTypeConfiguration<ConsumedMessage>
{
    public void Configure(EntityTypeBuilder<ConsumedMessage> builder)
    {
        builder.ToTable("consumed_messages");
        builder.HasKey(m => new { m.ConsumerGroup, m.MessageId });
        builder.Property(m => m.ConsumerGroup).HasMaxLength(100);
    }
}
