namespace Outbox.EntityFrameworkCore;

/// <summary>Names for the outbox table in the application's model.</summary>
public sealed class OutboxModelOptions
{
    /// <summary>Gets or sets the table name.</summary>
    /// <value>The default value is <c>outbox_messages</c>.</value>
    public string TableName { get; set; } = "outbox_messages";

    /// <summary>Gets or sets the schema, or <see langword="null"/> for the database default.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Schema { get; set; }
}
