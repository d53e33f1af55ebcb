using System.Data.Common;

namespace Outbox.EntityFrameworkCore;

/// <summary>Reads claimed rows in the column order of <see cref="OutboxTable.ClaimedColumns"/>.</summary>
internal static class OutboxRowReader
{
    public static async Task<List<OutboxMessage>> ReadClaimedAsync(DbDataReader reader, OutboxClaim claim, CancellationToken cancellationToken)
    {
        var messages = new List<OutboxMessage>(claim.BatchSize);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Add(new OutboxMessage
            {
                Id = reader.GetFieldValue<Guid>(0),
                Topic = reader.GetString(1),
                Key = reader.IsDBNull(2) ? null : reader.GetString(2),
                Type = reader.IsDBNull(3) ? null : reader.GetString(3),
                Payload = reader.GetFieldValue<byte[]>(4),
                Headers = reader.IsDBNull(5) ? null : reader.GetString(5),
                Attempts = reader.GetInt32(6),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(7),
                NextAttemptAt = reader.GetFieldValue<DateTimeOffset>(8),
                Status = OutboxStatus.Publish,
                PublishedAt = claim.Now,
                LeaseOwner = claim.LeaseOwner,
                LeaseExpiresAt = claim.LeaseExpiresAt,
            });
        }

        // RETURNING/OUTPUT do not keep the scan order; ids are time-ordered.
        messages.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return messages;
    }
}
