namespace Outbox.PostgreSql.Relay;

/// <summary>The outbox's DbContext type (from <c>UseEntityFrameworkCore&lt;TContext&gt;()</c>): its connection string is the default one to stream with, and it writes DEAD rows.</summary>
internal sealed record LogTailingTarget(Type ContextType);
