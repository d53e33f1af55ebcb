namespace Outbox.PostgreSql.Relay;

/// <summary>The database is not set up for the log-tailing relay and the relay cannot do it itself; the message has the SQL to run.</summary>
internal sealed class LogTailingSetUpException(string message, Exception? inner = null) : Exception(message, inner);
