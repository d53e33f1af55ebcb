using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using Outbox.Kafka;
using Outbox.Messages;
using Outbox.TestSupport.Data;

namespace Outbox.Benchmarks.Infrastructure;

/// <summary>The messages and transactions every scenario uses: 200-byte payloads over 10,000 keys, one business row per transaction.</summary>
internal sealed class Workload(BenchSettings settings)
{
    /// <summary>The send window for sends outside a relay (no lease to respect): long enough for any batch.</summary>
    public static readonly TimeSpan SendWindow = TimeSpan.FromMinutes(10);

    private readonly byte[] payload = MakePayload(settings.PayloadBytes);
    private readonly string[] keys = Enumerable.Range(0, settings.Keys).Select(k => $"customer-{k:D6}").ToArray();

    public byte[] Payload => payload;

    /// <summary>The key of message <paramref name="i"/>: uniformly random over the key set, the same sequence every run.</summary>
    public string KeyOf(long i) => keys[(int)(Mix((ulong)i) % (ulong)keys.Length)];

    /// <summary>
    /// One business transaction: an order, plus (when <paramref name="topic"/> is set) its event
    /// through <see cref="IOutbox"/>; one SaveChanges, inside BeginTransaction … Commit when
    /// <paramref name="inTransaction"/> (without an event: issue #19's fair baseline).
    /// </summary>
    public async Task<Guid?> WriteAsync(IServiceProvider services, long i, string? topic, bool secondOrder = false, bool inTransaction = false)
    {
        await using AsyncServiceScope scope = services.CreateAsyncScope();
        TestDbContext db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        await using IDbContextTransaction? transaction = inTransaction ? await db.Database.BeginTransactionAsync() : null;
        var order = new Order { Id = Guid.CreateVersion7(), Customer = KeyOf(i), Amount = 10m };
        db.Orders.Add(order);
        if (secondOrder)
        {
            db.Orders.Add(new Order { Id = Guid.CreateVersion7(), Customer = KeyOf(i), Amount = 5m }); // the same transaction shape as order + outbox row
        }

        Guid? id = null;
        if (topic is not null)
        {
            id = scope.ServiceProvider.GetRequiredService<IOutbox>().AddRaw(topic, KeyOf(i), payload, "OrderPlaced").Id;
        }

        await db.SaveChangesAsync();
        if (transaction is not null)
        {
            await transaction.CommitAsync();
        }

        return id;
    }

    /// <summary>
    /// The same business transaction by bare SQL (Npgsql, no EF Core): the <c>orders</c> row, and
    /// with <paramref name="shape"/> the outbox row the store would write, as the database's own
    /// floor under any outbox library's write cost.
    /// </summary>
    public async Task BareWriteAsync(NpgsqlDataSource source, long i, string topic, BareWrite shape)
    {
        await using NpgsqlConnection connection = await source.OpenConnectionAsync();
        await using NpgsqlTransaction? transaction = shape is BareWrite.OrderOnly or BareWrite.OutboxRowInBatch ? null : await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, transaction);
        var order = new NpgsqlBatchCommand("INSERT INTO orders (\"Id\", \"Amount\", \"Customer\") VALUES ($1, $2, $3)");
        order.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
        order.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = 10m });
        order.Parameters.Add(new NpgsqlParameter<string> { TypedValue = KeyOf(i) });
        batch.BatchCommands.Add(order);
        if (shape is BareWrite.OutboxRowInBatch or BareWrite.OutboxRowInTransaction)
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var outbox = new NpgsqlBatchCommand("INSERT INTO outbox_messages (id, topic, key, type, payload, status, attempts, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $6)");
            outbox.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = OutboxMessageId.NewId(now) });
            outbox.Parameters.Add(new NpgsqlParameter<string> { TypedValue = topic });
            outbox.Parameters.Add(new NpgsqlParameter<string> { TypedValue = KeyOf(i) });
            outbox.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "OrderPlaced" });
            outbox.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
            outbox.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            batch.BatchCommands.Add(outbox);
        }
        else if (shape == BareWrite.LogicalMessageInTransaction)
        {
            // The event as a transactional logical decoding message: in the WAL, no table row.
            var message = new NpgsqlBatchCommand("SELECT pg_logical_emit_message(true, 'outbox', $1)");
            message.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
            batch.BatchCommands.Add(message);
        }

        await batch.ExecuteNonQueryAsync();
        if (transaction is not null)
        {
            await transaction.CommitAsync();
        }
    }

    /// <summary>The Kafka message the outbox would send for message <paramref name="i"/> (same key, value and message-id header).</summary>
    public Message<string?, byte[]> KafkaMessage(long i, Guid id) => new()
    {
        Key = KeyOf(i),
        Value = payload,
        Headers = new Headers
        {
            { OutboxHeaderNames.MessageId, Encoding.UTF8.GetBytes(id.ToString("D")) },
            { OutboxHeaderNames.MessageType, "OrderPlaced"u8.ToArray() },
        },
    };

    /// <summary>Message <paramref name="i"/> as a relay hands it to the transport after claiming it (same key, payload and type as <see cref="WriteAsync"/> writes).</summary>
    public OutboxMessage ClaimedMessage(string topic, long i) => new()
    {
        Id = Guid.CreateVersion7(), Topic = topic, Key = KeyOf(i), Type = "OrderPlaced", Payload = payload, Status = OutboxStatus.Publish,
    };

    /// <summary>Fills the outbox with <paramref name="count"/> due INIT rows by binary COPY (rows are generated while streaming: no backlog held in memory).</summary>
    public async Task<TimeSpan> PrefillAsync(TestDatabase database, string topic, int count)
    {
        long started = Stopwatch.GetTimestamp();
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using (var truncate = new NpgsqlCommand("TRUNCATE outbox_messages", connection))
            {
                await truncate.ExecuteNonQueryAsync();
            }

            DateTimeOffset now = DateTimeOffset.UtcNow;
            await using (NpgsqlBinaryImporter copy = await connection.BeginBinaryImportAsync(
                "COPY outbox_messages (id, topic, key, type, payload, status, attempts, created_at, next_attempt_at) FROM STDIN (FORMAT BINARY)"))
            {
                for (int i = 0; i < count; i++)
                {
                    DateTimeOffset at = now.AddTicks(i);
                    await copy.StartRowAsync();
                    await copy.WriteAsync(OutboxMessageId.NewId(at), NpgsqlDbType.Uuid);
                    await copy.WriteAsync(topic, NpgsqlDbType.Varchar);
                    await copy.WriteAsync(KeyOf(i), NpgsqlDbType.Varchar);
                    await copy.WriteAsync("OrderPlaced", NpgsqlDbType.Varchar);
                    await copy.WriteAsync(payload, NpgsqlDbType.Bytea);
                    await copy.WriteAsync((int)OutboxStatus.Init, NpgsqlDbType.Integer);
                    await copy.WriteAsync(0, NpgsqlDbType.Integer);
                    await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
                }

                await copy.CompleteAsync();
            }

            await using var analyze = new NpgsqlCommand("VACUUM ANALYZE outbox_messages", connection);
            await analyze.ExecuteNonQueryAsync();
        }

        return Stopwatch.GetElapsedTime(started);
    }

    private static byte[] MakePayload(int size)
    {
        // A JSON-looking event padded to the size: realistic bytes, no compression surprises (none is configured).
        string json = "{\"orderId\":\"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\",\"customer\":\"customer-000042\",\"amount\":10.00,\"note\":\"";
        var sb = new StringBuilder(json);
        var rnd = new Random(42);
        while (sb.Length < size - 2)
        {
            sb.Append((char)('a' + rnd.Next(26)));
        }

        sb.Append("\"}");
        return Encoding.UTF8.GetBytes(sb.ToString()[..size]);
    }

    private static ulong Mix(ulong x)
    {
        // splitmix64: a fixed pseudo-random key per message index.
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}

/// <summary>The shapes of <see cref="Workload.BareWriteAsync"/>.</summary>
internal enum BareWrite
{
    /// <summary>The <c>orders</c> row alone, in autocommit: one round trip.</summary>
    OrderOnly,

    /// <summary>Both rows as one batch in autocommit: one round trip, one implicit transaction (the least any outbox can do).</summary>
    OutboxRowInBatch,

    /// <summary>Both rows between BEGIN and COMMIT, the shape EF Core gives a SaveChanges of two rows: two round trips.</summary>
    OutboxRowInTransaction,

    /// <summary>The <c>orders</c> row alone between BEGIN and COMMIT: the fair baseline for a business transaction that also writes its event.</summary>
    OrderInTransaction,

    /// <summary>The <c>orders</c> row and the event as <c>pg_logical_emit_message(true, …)</c> between BEGIN and COMMIT (needs <c>wal_level=logical</c>).</summary>
    LogicalMessageInTransaction,
}
