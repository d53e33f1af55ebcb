using Outbox;
using Outbox.EntityFrameworkCore;
using Outbox.EntityFrameworkCore.Inbox;
using Outbox.EntityFrameworkCore.Model;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Adds the outbox table, and the consumers' inbox table, to an application's EF Core model.</summary>
public static class OutboxModelBuilderExtensions
{
    /// <summary>
    /// Maps <see cref="OutboxMessage"/> to the outbox table with the indexes the relay's claim and
    /// clean-up queries need, and the database-assigned position and times it orders by (on
    /// PostgreSQL and SQL Server a sequence named <c>{table}_seq</c>). Call it from
    /// <c>OnModelCreating</c> of the DbContext you pass to <c>UseEntityFrameworkCore</c>; it works
    /// with migrations and <c>EnsureCreated</c>.
    /// </summary>
    /// <param name="modelBuilder">The model builder.</param>
    /// <param name="configure">Changes the table or schema name, or <see langword="null"/>.</param>
    /// <returns>The same model builder.</returns>
    /// <exception cref="ArgumentException">The table name is empty.</exception>
    public static ModelBuilder AddOutboxMessages(this ModelBuilder modelBuilder, Action<OutboxModelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        var options = new OutboxModelOptions();
        configure?.Invoke(options);
        if (string.IsNullOrWhiteSpace(options.TableName))
        {
            throw new ArgumentException("OutboxModelOptions.TableName is empty. Leave the default (outbox_messages) or give a table name.", nameof(configure));
        }

        modelBuilder.ApplyConfiguration(new OutboxMessageEntityConfiguration(options, OutboxDatabase.Of(modelBuilder.Model)));
        return modelBuilder;
    }

    /// <summary>
    /// Maps the inbox table that <see cref="Outbox.Inbox.IOutboxInbox"/> records handled messages
    /// in: one row per consumer and <c>outbox-message-id</c> (columns <c>consumer</c>,
    /// <c>message_id</c>, <c>received_at</c>), kept for <see cref="OutboxOptions.InboxRetention"/>.
    /// Call it from <c>OnModelCreating</c> of the DbContext the consumer's handlers write to (the one
    /// passed to <c>UseEntityFrameworkCore</c>); it works with migrations and <c>EnsureCreated</c>.
    /// </summary>
    /// <param name="modelBuilder">The model builder.</param>
    /// <param name="tableName">The table's name.</param>
    /// <param name="schema">The table's schema, or <see langword="null"/> for the default.</param>
    /// <returns>The same model builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="tableName"/> is empty.</exception>
    public static ModelBuilder AddOutboxInbox(this ModelBuilder modelBuilder, string tableName = "inbox_messages", string? schema = null)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        if (string.IsNullOrWhiteSpace(tableName))
        {
            throw new ArgumentException("The inbox table name is empty. Leave the default (inbox_messages) or give a table name.", nameof(tableName));
        }

        modelBuilder.ApplyConfiguration(new InboxRecordEntityConfiguration(tableName, schema));
        return modelBuilder;
    }
}
