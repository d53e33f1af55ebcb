using System.Data.Common;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Sql;

/// <summary>
/// The one way the store reads rows: by column position, in the orders <see cref="OutboxTable"/>
/// writes them (claimed rows: <see cref="OutboxTable.ClaimedColumns"/>; whole rows for the admin
/// API: <see cref="OutboxTable.RowColumns"/>).
/// </summary>
internal static class OutboxRowReader
{
    public static async Task<List<OutboxMessage>> ReadClaimedAsync(DbDataReader reader, OutboxClaim claim, CancellationToken cancellationToken)
    {
        var rows = new List<(long Position, OutboxMessage Message)>(claim.BatchSize);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetInt64(0), new OutboxMessage
            {
                Id = reader.GetFieldValue<Guid>(1),
                Topic = reader.GetString(2),
                Key = reader.IsDBNull(3) ? null : reader.GetString(3),
                Type = reader.IsDBNull(4) ? null : reader.GetString(4),
                Payload = reader.GetFieldValue<byte[]>(5),
                Headers = reader.IsDBNull(6) ? null : reader.GetString(6),
                Attempts = reader.GetInt32(7),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(8),
                NextAttemptAt = reader.GetFieldValue<DateTimeOffset>(9),
                Status = OutboxStatus.Publish,
                LeaseOwner = claim.LeaseOwner,
            }));
        }

        // RETURNING/OUTPUT do not keep the scan order: sort by the database-assigned position.
        rows.Sort(static (a, b) => a.Position.CompareTo(b.Position));
        return rows.ConvertAll(r => r.Message);
    }

    public static async Task<List<OutboxMessage>> ReadRowsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new List<OutboxMessage>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new OutboxMessage
            {
                Id = reader.GetFieldValue<Guid>(0),
                Topic = reader.GetString(1),
                Key = reader.IsDBNull(2) ? null : reader.GetString(2),
                Type = reader.IsDBNull(3) ? null : reader.GetString(3),
                Payload = reader.GetFieldValue<byte[]>(4),
                Headers = reader.IsDBNull(5) ? null : reader.GetString(5),
                Status = (OutboxStatus)reader.GetInt32(6),
                Attempts = reader.GetInt32(7),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(8),
                NextAttemptAt = reader.GetFieldValue<DateTimeOffset>(9),
                PublishedAt = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                CompletedAt = reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
                LastError = reader.IsDBNull(12) ? null : reader.GetString(12),
                LeaseOwner = reader.IsDBNull(13) ? null : reader.GetString(13),
                LeaseExpiresAt = reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
            });
        }

        return rows;
    }
}
