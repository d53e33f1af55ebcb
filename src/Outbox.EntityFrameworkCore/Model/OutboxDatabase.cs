using Microsoft.EntityFrameworkCore.Metadata;

namespace Outbox.EntityFrameworkCore.Model;

/// <summary>
/// The provider-specific SQL the outbox table's defaults need: the database's clock and the next
/// value of a sequence. Found from the annotations the provider's conventions put on the model
/// before <c>OnModelCreating</c> runs, because the model builder does not say which provider it
/// builds for.
/// </summary>
internal sealed class OutboxDatabase
{
    private readonly Func<string?, string, string>? nextSequenceValue;

    private OutboxDatabase(string now, Func<string?, string, string>? nextSequenceValue)
    {
        Now = now;
        this.nextSequenceValue = nextSequenceValue;
    }

    /// <summary>Gets the SQL for the database's current time, in the column type EF Core gives DateTimeOffset.</summary>
    public string Now { get; }

    public static OutboxDatabase PostgreSql { get; } = new("now()", (schema, name) => $"nextval('{Quote(schema, name, '"', '"')}')");

    public static OutboxDatabase SqlServer { get; } = new("SYSDATETIMEOFFSET()", (schema, name) => $"NEXT VALUE FOR {Quote(schema, name, '[', ']')}");

    /// <summary>SQLite: EF Core stores DateTimeOffset as text, UTC in this form sorts as the times do; the rowid is the position.</summary>
    public static OutboxDatabase Sqlite { get; } = new("strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')", null);

    /// <summary>The SQL for the next value of sequence <paramref name="name"/>, or <see langword="null"/> where the table's position is implicit.</summary>
    public string? NextSequenceValue(string? schema, string name) => nextSequenceValue?.Invoke(schema, name);

    public static OutboxDatabase Of(IMutableModel model)
    {
        bool Has(string prefix) => model.GetAnnotations().Any(a => a.Name.StartsWith(prefix, StringComparison.Ordinal));
        return Has("Npgsql:") ? PostgreSql
            : Has("SqlServer:") ? SqlServer
            : Sqlite;
    }

    private static string Quote(string? schema, string name, char open, char close)
    {
        string Part(string part) => open + part.Replace(close.ToString(), new string(close, 2), StringComparison.Ordinal) + close;
        return schema is null ? Part(name) : Part(schema) + "." + Part(name);
    }
}
