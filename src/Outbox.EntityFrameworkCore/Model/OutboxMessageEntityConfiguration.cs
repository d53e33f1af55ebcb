using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Outbox.EntityFrameworkCore;

/// <summary>
/// The outbox table. Column names are fixed (snake_case) so the relay's SQL and an operator's
/// queries read the same on every provider. Index filters use <c>status &lt; 2</c>: INIT and
/// PUBLISH, the only rows a relay looks at.
/// </summary>
internal sealed class OutboxMessageEntityConfiguration(OutboxModelOptions options) : IEntityTypeConfiguration<OutboxMessage>
{
    public const int MaxKeyLength = 450;   // fits an index key on every provider
    public const int MaxTypeLength = 256;
    public const int MaxLeaseOwnerLength = 200;
    public const int MaxErrorLength = 2000;
    public const string UnfinishedFilter = "status < 2";

    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable(options.TableName, options.Schema);
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(m => m.Topic).HasColumnName("topic").HasMaxLength(OutboxMessageFactory.MaxTopicLength).IsRequired();
        builder.Property(m => m.Key).HasColumnName("key").HasMaxLength(MaxKeyLength);
        builder.Property(m => m.Type).HasColumnName("type").HasMaxLength(MaxTypeLength);
        builder.Property(m => m.Payload).HasColumnName("payload").IsRequired();
        builder.Property(m => m.Headers).HasColumnName("headers");
        builder.Property(m => m.Status).HasColumnName("status").HasConversion<int>();
        builder.Property(m => m.Attempts).HasColumnName("attempts");
        builder.Property(m => m.CreatedAt).HasColumnName("created_at");
        builder.Property(m => m.NextAttemptAt).HasColumnName("next_attempt_at");
        builder.Property(m => m.PublishedAt).HasColumnName("published_at");
        builder.Property(m => m.CompletedAt).HasColumnName("completed_at");
        builder.Property(m => m.LastError).HasColumnName("last_error").HasMaxLength(MaxErrorLength);
        builder.Property(m => m.LeaseOwner).HasColumnName("lease_owner").HasMaxLength(MaxLeaseOwnerLength);
        builder.Property(m => m.LeaseExpiresAt).HasColumnName("lease_expires_at");

        // Claim: unfinished rows in id order. Per-key order: "is there an older unfinished row of this key?"
        builder.HasIndex(m => m.Id).HasDatabaseName($"ix_{options.TableName}_unfinished").HasFilter(UnfinishedFilter);
        builder.HasIndex(m => new { m.Key, m.Id }).HasDatabaseName($"ix_{options.TableName}_key_unfinished").HasFilter(UnfinishedFilter);

        // Retention: completed rows by completion time.
        builder.HasIndex(m => m.CompletedAt).HasDatabaseName($"ix_{options.TableName}_completed").HasFilter("status = 2");
    }
}
