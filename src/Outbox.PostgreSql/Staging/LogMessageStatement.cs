using System.Data.Common;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Outbox.PostgreSql.Staging;

/// <summary>
/// The SQL that writes frames into the log: <c>SELECT pg_logical_emit_message(true, prefix, frame), …</c>
/// (transactional: the messages are decoded only if, and when, the transaction commits). Appended to
/// the save's own command, so the events cost no round trip of their own; run alone when the save
/// has no command.
/// </summary>
internal static class LogMessageStatement
{
    /// <summary>Appends the statement to <paramref name="command"/>, with parameters in the style its SQL already uses.</summary>
    public static void AppendTo(DbCommand command, string prefix, IReadOnlyList<byte[]> frames)
    {
        // EF Core's Npgsql provider names parameters (@p0) unless SQL rewriting is off, when they are positional ($1).
        bool positional = command.Parameters.Count > 0 && string.IsNullOrEmpty(command.Parameters[0].ParameterName);
        int first = command.Parameters.Count;
        var sql = new StringBuilder(command.CommandText.TrimEnd().TrimEnd(';'));
        sql.Append(";\nSELECT ");
        for (int i = 0; i < frames.Count; i++)
        {
            string name = positional ? "$" + (first + i + 1).ToString(CultureInfo.InvariantCulture) : "@outbox_log_" + i.ToString(CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? string.Empty : ", ").Append("pg_logical_emit_message(true, ").Append(Literal(prefix)).Append(", ").Append(name).Append(')');
            var parameter = new NpgsqlParameter<byte[]>(positional ? string.Empty : name, NpgsqlDbType.Bytea) { TypedValue = frames[i] };
            command.Parameters.Add(parameter);
        }

        command.CommandText = sql.ToString();
    }

    /// <summary>The statement on its own, for a save that ran no command: SQL with EF Core's <c>{0}</c> placeholders, and the frames as its arguments.</summary>
    public static (string Sql, object[] Arguments) Standalone(string prefix, IReadOnlyList<byte[]> frames)
    {
        var sql = new StringBuilder("SELECT ");
        for (int i = 0; i < frames.Count; i++)
        {
            sql.Append(i == 0 ? string.Empty : ", ").Append("pg_logical_emit_message(true, ").Append(Literal(prefix)).Append(", {").Append(i.ToString(CultureInfo.InvariantCulture)).Append("})");
        }

        return (sql.ToString(), [.. frames]);
    }

    // The prefix is validated to [A-Za-z0-9_.:-] (PostgreSqlLogTailingOptions), so quoting is all it needs.
    private static string Literal(string prefix) => "'" + prefix + "'";
}
