using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Outbox.EntityFrameworkCore.Model;

namespace Outbox.EntityFrameworkCore.Sql;

/// <summary>The outbox table's quoted names, read from the application's model so renames apply.</summary>
internal sealed class OutboxTable
{
    private OutboxTable(OutboxSqlDialect dialect, IEntityType entityType)
    {
        string table = entityType.GetTableName()!;
        string? schema = entityType.GetSchema();
        var storeObject = StoreObjectIdentifier.Table(table, schema);
        string Column(string property) => dialect.Quote(entityType.FindProperty(property)!.GetColumnName(storeObject)!);

        UnquotedName = schema is null ? table : $"{schema}.{table}";
        Name = schema is null ? dialect.Quote(table) : $"{dialect.Quote(schema)}.{dialect.Quote(table)}";
        Sequence = entityType.FindProperty(OutboxMessageEntityConfiguration.SequenceProperty) is { } sequence
            ? dialect.Quote(sequence.GetColumnName(storeObject)!)
            : dialect.ImplicitSequence ?? throw new InvalidOperationException($"The outbox table {Name} has no position column ({OutboxMessageEntityConfiguration.SequenceColumn}); add a migration after upgrading (see docs/upgrading.md).");
        Id = Column(nameof(OutboxMessage.Id));
        Topic = Column(nameof(OutboxMessage.Topic));
        Key = Column(nameof(OutboxMessage.Key));
        Type = Column(nameof(OutboxMessage.Type));
        Payload = Column(nameof(OutboxMessage.Payload));
        Headers = Column(nameof(OutboxMessage.Headers));
        Status = Column(nameof(OutboxMessage.Status));
        Attempts = Column(nameof(OutboxMessage.Attempts));
        CreatedAt = Column(nameof(OutboxMessage.CreatedAt));
        NextAttemptAt = Column(nameof(OutboxMessage.NextAttemptAt));
        PublishedAt = Column(nameof(OutboxMessage.PublishedAt));
        CompletedAt = Column(nameof(OutboxMessage.CompletedAt));
        LastError = Column(nameof(OutboxMessage.LastError));
        LeaseOwner = Column(nameof(OutboxMessage.LeaseOwner));
        LeaseExpiresAt = Column(nameof(OutboxMessage.LeaseExpiresAt));
    }

    /// <summary>Gets the schema-qualified table name without quotes (names the claim lock).</summary>
    public string UnquotedName { get; }

    public string Name { get; }

    /// <summary>Gets the position column: assigned by the database at insert (a sequence, or SQLite's rowid).</summary>
    public string Sequence { get; }

    public string Id { get; }

    public string Topic { get; }

    public string Key { get; }

    public string Type { get; }

    public string Payload { get; }

    public string Headers { get; }

    public string Status { get; }

    public string Attempts { get; }

    public string CreatedAt { get; }

    public string NextAttemptAt { get; }

    public string PublishedAt { get; }

    public string CompletedAt { get; }

    public string LastError { get; }

    public string LeaseOwner { get; }

    public string LeaseExpiresAt { get; }

    /// <summary>The columns a claim returns, in the order <see cref="OutboxRowReader"/> reads them: the position first.</summary>
    public string ClaimedColumns(string alias) =>
        string.Join(", ", new[] { Sequence, Id, Topic, Key, Type, Payload, Headers, Attempts, CreatedAt, NextAttemptAt }.Select(c => alias.Length == 0 ? c : $"{alias}.{c}"));

    /// <summary>Every column of a row, in the order <see cref="OutboxRowReader.ReadRowsAsync"/> reads them.</summary>
    public string RowColumns =>
        string.Join(", ", Id, Topic, Key, Type, Payload, Headers, Status, Attempts, CreatedAt, NextAttemptAt, PublishedAt, CompletedAt, LastError, LeaseOwner, LeaseExpiresAt);

    public static OutboxTable From(DbContext context, OutboxSqlDialect dialect)
    {
        IEntityType entityType = context.Model.FindEntityType(typeof(OutboxMessage))
            ?? throw OutboxModelMissingException.For(context.GetType());
        return new OutboxTable(dialect, entityType);
    }
}
