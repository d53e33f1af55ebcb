using Outbox;
using Outbox.EntityFrameworkCore;
using Outbox.EntityFrameworkCore.Model;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Adds the outbox table to an application's EF Core model.</summary>
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
}
