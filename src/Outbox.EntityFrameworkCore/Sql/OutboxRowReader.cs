using System.Data.Common;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Sql;

/// <summary>Reads claimed rows in the column order of <see cref="OutboxTable.ClaimedColumns"/>.</summary>
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
}
