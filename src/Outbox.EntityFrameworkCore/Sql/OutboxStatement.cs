namespace Outbox.EntityFrameworkCore.Sql;

/// <summary>One SQL statement as a value: its text and its parameters; the store executes it.</summary>
/// <param name="Text">The SQL.</param>
/// <param name="Parameters">The values its <c>@name</c> placeholders take.</param>
/// <param name="Kind">What it does, which says how its result is read.</param>
internal sealed record OutboxStatement(string Text, IReadOnlyList<OutboxParameter> Parameters, OutboxStatementKind Kind = OutboxStatementKind.Other);

/// <summary>A named parameter value, created through EF Core's type mapping for <paramref name="Type"/>.</summary>
/// <param name="Name">The name without <c>@</c>.</param>
/// <param name="Value">The value.</param>
/// <param name="Type">The CLR type whose mapping creates the parameter.</param>
internal readonly record struct OutboxParameter(string Name, object? Value, Type Type)
{
    public static OutboxParameter Of<T>(string name, T value) => new(name, value, typeof(T));
}

/// <summary>How a statement's result is read.</summary>
internal enum OutboxStatementKind
{
    /// <summary>Its affected rows do not count (a lock, a delete, a requeue).</summary>
    Other,

    /// <summary>Records outcomes: its affected rows count as applied outcomes.</summary>
    Outcome,

    /// <summary>Returns claimed rows (<see cref="OutboxTable.ClaimedColumns"/>).</summary>
    Claim,

    /// <summary>Returns a result set of its own before the next statement's (a lock taken with SELECT): skipped.</summary>
    SkippedResult,

    /// <summary>Returns one number: how many unfinished rows the claim's window holds (see <see cref="OutboxSqlDialect.ClaimWindow"/>).</summary>
    WindowCount,

    /// <summary>Returns message ids, one per row (the owned messages a direct send may send, or those given back).</summary>
    Ids,

    /// <summary>A whole bookkeeping call in one script: a result set with the applied count and the window count, then the claimed rows or the ids.</summary>
    Script,
}
