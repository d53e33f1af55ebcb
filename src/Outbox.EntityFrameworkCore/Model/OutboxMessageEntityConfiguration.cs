using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Outbox.EntityFrameworkCore.Model;

/// <summary>
/// The outbox table. Column names are fixed (snake_case) so the relay's SQL and an operator's
/// queries read the same on every provider. Order and time are the database's: the position
/// (<c>seq</c>) comes from a sequence when the row is inserted (SQLite: the rowid, which a single
/// writer hands out in commit order), <c>created_at</c> and <c>next_attempt_at</c> from the
/// database's clock. Index filters use <c>status &lt; 2</c>: INIT and PUBLISH, the only rows a
/// relay looks at.
/// </summary>
internal sealed class OutboxMessageEntityConfiguration(OutboxModelOptions options, OutboxDatabase database) : IEntityTypeConfiguration<OutboxMessage>
{
    public const int MaxTopicLength = 249; // Kafka's longest topic name: the width the table was created with
    public const int MaxKeyLength = 450;   // fits an index key on every provider
    public const int MaxTypeLength = 256;
    public const int MaxLeaseOwnerLength = 200;
    public const string UnfinishedFilter = "status < 2";

    // KEY is a reserved word in T-SQL; a double-quoted name is standard SQL, read as a name by all
    // three databases (SQL Server creates filtered indexes only with QUOTED_IDENTIFIER on).
    private const string UnkeyedFilter = UnfinishedFilter + " AND \"key\" IS NULL";

    /// <summary>The shadow property of the position column (PostgreSQL and SQL Server).</summary>
    public const string SequenceProperty = "Sequence";

    public const string SequenceColumn = "seq";

    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        string table = options.TableName;
        builder.ToTable(table, options.Schema);
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(m => m.Topic).HasColumnName("topic").HasMaxLength(MaxTopicLength).IsRequired();
        builder.Property(m => m.Key).HasColumnName("key").HasMaxLength(MaxKeyLength);
        builder.Property(m => m.Type).HasColumnName("type").HasMaxLength(MaxTypeLength);
        builder.Property(m => m.Payload).HasColumnName("payload").IsRequired();
        builder.Property(m => m.Headers).HasColumnName("headers");
        builder.Property(m => m.Status).HasColumnName("status").HasConversion<int>();
        builder.Property(m => m.Attempts).HasColumnName("attempts");
        builder.Property(m => m.CreatedAt).HasColumnName("created_at").HasDefaultValueSql(database.Now);
        builder.Property(m => m.NextAttemptAt).HasColumnName("next_attempt_at").HasDefaultValueSql(database.Now);
        builder.Property(m => m.PublishedAt).HasColumnName("published_at");
        builder.Property(m => m.CompletedAt).HasColumnName("completed_at");
        builder.Property(m => m.LastError).HasColumnName("last_error").HasMaxLength(OutboxMessage.MaxLastErrorLength);
        builder.Property(m => m.LeaseOwner).HasColumnName("lease_owner").HasMaxLength(MaxLeaseOwnerLength);
        builder.Property(m => m.LeaseExpiresAt).HasColumnName("lease_expires_at");

        // Claim: unfinished rows in position order. Per-key order: "is there an unfinished row of
        // this key with a lower position?" and "is a row of this key claimed before (in flight, or
        // waiting for its retry)?", the second over few rows. SQLite appends the rowid (its
        // position) to every index entry, so there the key alone orders a key's rows.
        if (database.NextSequenceValue(options.Schema, table + "_" + SequenceColumn) is { } nextValue)
        {
            builder.Metadata.Model.AddSequence(table + "_" + SequenceColumn, options.Schema);
            builder.Property<long>(SequenceProperty).HasColumnName(SequenceColumn).HasDefaultValueSql(nextValue);
            builder.HasIndex([SequenceProperty], $"ix_{table}_seq").IsUnique();
            builder.HasIndex([SequenceProperty], $"ix_{table}_unfinished").HasFilter(UnfinishedFilter);
            builder.HasIndex([nameof(OutboxMessage.Key), SequenceProperty], $"ix_{table}_key_unfinished").HasFilter(UnfinishedFilter);
            builder.HasIndex([SequenceProperty], $"ix_{table}_unkeyed").HasFilter(UnkeyedFilter);
        }
        else
        {
            builder.HasIndex([nameof(OutboxMessage.Status)], $"ix_{table}_unfinished").HasFilter(UnfinishedFilter);
            builder.HasIndex([nameof(OutboxMessage.Key)], $"ix_{table}_key_unfinished").HasFilter(UnfinishedFilter);
            builder.HasIndex([nameof(OutboxMessage.Status)], $"ix_{table}_unkeyed").HasFilter(UnkeyedFilter);
        }

        builder.HasIndex([nameof(OutboxMessage.Key)], $"ix_{table}_key_claimed").HasFilter("status < 2 AND published_at IS NOT NULL");

        // Direct sends in flight: "is a message of this key PUBLISH, never claimed?" (a direct row
        // has no published_at until a claim or a failed send). Claimed rows never enter it, so a
        // drain's claims do not read or write it.
        builder.HasIndex([nameof(OutboxMessage.Key)], $"ix_{table}_key_publish").HasFilter("status = 1 AND published_at IS NULL");

        // Retention: completed and dead rows by the time they got there.
        builder.HasIndex([nameof(OutboxMessage.CompletedAt)], $"ix_{table}_completed").HasFilter("status = 2");
        builder.HasIndex([nameof(OutboxMessage.CompletedAt)], $"ix_{table}_dead").HasFilter("status = 3");
    }
}
