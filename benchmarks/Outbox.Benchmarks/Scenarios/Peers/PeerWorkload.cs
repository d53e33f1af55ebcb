using System.Text.Json;
using Outbox.Benchmarks.Infrastructure;
using Outbox.TestSupport.Data;

namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>Makes the peer workload's transactions: a new order per transaction and its event of about <c>--payload</c> bytes of JSON.</summary>
internal sealed class PeerWorkload
{
    /// <summary>How the systems that serialize the event themselves (the no-outbox producer) write it: as the outbox's default does.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Workload work;
    private readonly string note;

    public PeerWorkload(Workload work, int payloadBytes)
    {
        this.work = work;
        int unpadded = JsonSerializer.SerializeToUtf8Bytes(new OrderPlacedEvent(Guid.Empty, work.KeyOf(0), 10m, string.Empty), Json).Length;
        note = new string('x', Math.Max(0, payloadBytes - unpadded));
    }

    public PeerOrder Order(long i)
    {
        var row = new Order { Id = Guid.CreateVersion7(), Customer = work.KeyOf(i), Amount = 10m };
        return new PeerOrder(i, row, row.Id.ToString("D"), new OrderPlacedEvent(row.Id, row.Customer, row.Amount, note));
    }
}
