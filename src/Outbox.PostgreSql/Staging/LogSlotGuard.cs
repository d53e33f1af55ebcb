using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Outbox.PostgreSql.Relay;

namespace Outbox.PostgreSql.Staging;

/// <summary>
/// Refuses a save with events while the replication slot does not exist: a logical decoding
/// message written then is never streamed, so the save would commit its business rows and lose its
/// events. Checked on the save's own connection (in its transaction) until the slot is seen once; the
/// relay tells it when it created the slot, and when a sample finds the slot gone (an operator
/// dropped it), so the next save checks again.
/// </summary>
internal sealed class LogSlotGuard(IOptions<PostgreSqlLogTailingOptions> options)
{
    private volatile bool seen;

    public void Seen() => seen = true;

    public void Missing() => seen = false;

    public void Ensure(DbContext context)
    {
        if (!seen)
        {
            Check(Query(context).AsEnumerable().Single());
        }
    }

    public async Task EnsureAsync(DbContext context, CancellationToken cancellationToken)
    {
        if (!seen)
        {
            Check(await Query(context).SingleAsync(cancellationToken).ConfigureAwait(false));
        }
    }

    private IQueryable<bool> Query(DbContext context) =>
        context.Database.SqlQueryRaw<bool>("SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = {0}) AS \"Value\"", options.Value.SlotName);

    private void Check(bool exists)
    {
        if (!exists)
        {
            throw new InvalidOperationException(
                $"The replication slot {options.Value.SlotName} does not exist, so events saved now would never be relayed; nothing was saved. " +
                $"Start a host with the relay on (OutboxOptions.EnableRelay), which creates it at start, or run: {ReplicationSetUp.SetUpSql(options.Value)}");
        }

        seen = true;
    }
}
