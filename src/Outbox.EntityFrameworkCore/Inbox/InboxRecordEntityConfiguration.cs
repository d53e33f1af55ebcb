using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Outbox.Inbox;

namespace Outbox.EntityFrameworkCore.Inbox;

/// <summary>
/// The inbox table: one row per consumer and message id, the primary key making a second record
/// of the same message fail even when two consumers race (the second transaction waits for the
/// first's key and then fails, rolling back its handler's changes). Snake_case names, like the
/// outbox table's.
/// </summary>
internal sealed class InboxRecordEntityConfiguration(string table, string? schema) : IEntityTypeConfiguration<InboxRecord>
{
    public void Configure(EntityTypeBuilder<InboxRecord> builder)
    {
        builder.ToTable(table, schema);
        builder.HasKey(r => new { r.Consumer, r.MessageId });
        builder.Property(r => r.Consumer).HasColumnName("consumer").HasMaxLength(IOutboxInbox.MaxConsumerLength);
        builder.Property(r => r.MessageId).HasColumnName("message_id").ValueGeneratedNever();
        builder.Property(r => r.ReceivedAt).HasColumnName("received_at");
        builder.HasIndex(r => r.ReceivedAt, $"ix_{table}_received_at"); // the clean-up's delete
    }
}
