using Npgsql;

namespace Outbox.PostgreSql.Relay;

/// <summary>
/// What the database needs before the relay can stream: <c>wal_level=logical</c>, the publication
/// and the slot. Creates the last two where the relay's role may (and
/// <see cref="PostgreSqlLogTailingOptions.CreateIfMissing"/> is on); otherwise fails with the SQL an
/// administrator must run. Idempotent, and safe when several instances start at once.
/// </summary>
internal static class ReplicationSetUp
{
    private const string InsufficientPrivilege = "42501";
    private const string DuplicateObject = "42710";

    public static async Task EnsureAsync(NpgsqlDataSource source, PostgreSqlLogTailingOptions options, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        string walLevel = (string)(await Scalar(connection, "SHOW wal_level", null, cancellationToken).ConfigureAwait(false))!;
        if (walLevel != "logical")
        {
            throw new LogTailingSetUpException(
                $"PostgreSQL runs with wal_level={walLevel}; the log-tailing relay needs wal_level=logical. As a superuser run " +
                "ALTER SYSTEM SET wal_level = logical; (and max_replication_slots, max_wal_senders of at least 10) and restart the server " +
                "(on managed services: the logical replication parameter, e.g. rds.logical_replication=1 or azure.replication_support=logical).");
        }

        if (await Scalar(connection, "SELECT 1 FROM pg_publication WHERE pubname = $1", options.PublicationName, cancellationToken).ConfigureAwait(false) is null)
        {
            await CreateAsync(connection, options, $"CREATE PUBLICATION {options.PublicationName}", "the publication", cancellationToken).ConfigureAwait(false);
        }

        object? plugin = await Scalar(connection, "SELECT plugin FROM pg_replication_slots WHERE slot_name = $1", options.SlotName, cancellationToken).ConfigureAwait(false);
        if (plugin is null)
        {
            await CreateAsync(connection, options, $"SELECT pg_create_logical_replication_slot('{options.SlotName}', 'pgoutput')", "the replication slot", cancellationToken).ConfigureAwait(false);
        }
        else if (plugin is not "pgoutput")
        {
            throw new LogTailingSetUpException(
                $"The replication slot {options.SlotName} uses the {plugin} plugin; the relay reads pgoutput. Drop it (SELECT pg_drop_replication_slot('{options.SlotName}');) " +
                "if nothing else reads it, or set PostgreSqlLogTailingOptions.SlotName to another name.");
        }
    }

    /// <summary>The SQL an administrator runs when the relay may not create what it needs.</summary>
    public static string SetUpSql(PostgreSqlLogTailingOptions options) =>
        $"CREATE PUBLICATION {options.PublicationName}; SELECT pg_create_logical_replication_slot('{options.SlotName}', 'pgoutput'); " +
        "and give the relay's role REPLICATION: ALTER ROLE <relay role> WITH REPLICATION;";

    private static async Task CreateAsync(NpgsqlConnection connection, PostgreSqlLogTailingOptions options, string sql, string what, CancellationToken cancellationToken)
    {
        if (!options.CreateIfMissing)
        {
            throw new LogTailingSetUpException($"{what} is missing and PostgreSqlLogTailingOptions.CreateIfMissing is false. Run: {SetUpSql(options)}");
        }

        try
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == DuplicateObject)
        {
            // Another instance created it first.
        }
        catch (PostgresException ex) when (ex.SqlState == InsufficientPrivilege)
        {
            throw new LogTailingSetUpException($"The relay's role may not create {what} ({ex.MessageText}). Run, as a role that may: {SetUpSql(options)}", ex);
        }
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql, string? argument, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (argument is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = argument });
        }

        object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }
}
