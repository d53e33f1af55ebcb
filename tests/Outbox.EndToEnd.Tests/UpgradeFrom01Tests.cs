using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Outbox.Kafka.Testing;
using Outbox.Messages;
using Outbox.TestSupport;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Hosting;
using Outbox.TestSupport.Kafka;
using Outbox.TestSupport.PostgreSql;

namespace Outbox.EndToEnd.Tests;

/// <summary>
/// A table created by 0.1, holding INIT and PUBLISH rows (the PUBLISH ones under the lease of a
/// 0.1 relay that is gone), upgraded with the script docs/upgrading.md prints for the database,
/// then relayed by this version: every row is delivered once, each key in its old order.
/// </summary>
public abstract partial class UpgradeFrom01Tests(DatabaseKind kind, PostgreSqlServer? postgres) : IAsyncLifetime
{
    private const string Topic = "upgraded";
    private KafkaMockCluster kafka = null!;

    public Task InitializeAsync()
    {
        kafka = KafkaMockCluster.Start(brokers: 1);
        kafka.CreateTopic(Topic, partitions: 3);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        kafka.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task UpgradeScript_On01TableWithInitAndPublishRows_EveryRowDeliveredOnceInKeyOrder()
    {
        string upgrade = UpgradeScript(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "docs", "upgrading.md")));
        await using TestDatabase database = await TestDatabase.CreateAsync(kind, postgres, context => context.Database.ExecuteSqlRawAsync(Schema01));
        List<(Guid Id, string Key)> written = await WriteAs01Async(database);

        await using (TestDbContext context = database.CreateContext())
        {
            await context.Database.ExecuteSqlRawAsync(upgrade);
        }

        await using OutboxTestHost host = await OutboxTestHost.StartAsync(database, kafka);
        List<OutboxMessage> rows = await host.WaitForRowsAsync(r => r.All(m => m.Status == OutboxStatus.Complete), TimeSpan.FromSeconds(30));
        IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, Topic, written.Count, TimeSpan.FromSeconds(20));

        rows.Should().HaveCount(written.Count).And.OnlyContain(r => r.Status == OutboxStatus.Complete);
        List<Guid> sent = records.Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId])).ToList();
        sent.Should().OnlyHaveUniqueItems("each row is sent once").And.BeEquivalentTo(written.Select(w => w.Id));
        foreach (IGrouping<string, (Guid Id, string Key)> key in written.GroupBy(w => w.Key))
        {
            records.Where(r => r.Key == key.Key).Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId]))
                .Should().Equal(key.Select(w => w.Id), $"key {key.Key} keeps the order 0.1 gave it");
        }

        // New rows after the upgrade take positions after the old ones.
        OutboxStagedMessage later = await host.InScopeAsync(async (db, outbox) =>
        {
            OutboxStagedMessage m = outbox.AddRaw(Topic, "a", [9]);
            await db.SaveChangesAsync();
            return m;
        });
        (await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, Topic, written.Count + 1, TimeSpan.FromSeconds(20)))
            .Where(r => r.Key == "a").Select(r => Guid.Parse(r.Headers[OutboxHeaderNames.MessageId])).Last().Should().Be(later.Id);
    }

    /// <summary>The 0.1 table (as its EnsureCreated made it) and the test's business table.</summary>
    protected abstract string Schema01 { get; }

    /// <summary>The heading of this database's script in docs/upgrading.md.</summary>
    protected abstract string Heading { get; }

    /// <summary>Rows as 0.1 wrote them: ids and times from the writer, PUBLISH rows under a dead relay's lapsed lease.</summary>
    private static async Task<List<(Guid Id, string Key)>> WriteAs01Async(TestDatabase database)
    {
        var written = new List<(Guid, string)>();
        await using TestDbContext context = database.CreateContext();
        DateTimeOffset start = DateTimeOffset.UtcNow.AddMinutes(-10);
        for (int i = 0; i < 12; i++)
        {
            DateTimeOffset at = start.AddSeconds(i);
            Guid id = OutboxMessageId.NewId(at);
            string key = "abc"[i % 3].ToString();
            bool published = i < 3; // the first of each key was claimed by the 0.1 relay that is gone
            int status = published ? 1 : 0;
            DateTimeOffset? publishedAt = published ? at : null;
            DateTimeOffset? leaseExpiresAt = published ? at.AddMinutes(2) : null;
            string? leaseOwner = published ? "relay-0.1/dead" : null;
            byte[] payload = [(byte)i];
            await context.Database.ExecuteSqlAsync($"""
                INSERT INTO outbox_messages (id, topic, key, type, payload, headers, status, attempts, created_at, next_attempt_at, published_at, completed_at, last_error, lease_owner, lease_expires_at)
                VALUES ({id}, {Topic}, {key}, {"OrderPlaced"}, {payload}, {null}, {status}, {0}, {at}, {at}, {publishedAt}, {null}, {null}, {leaseOwner}, {leaseExpiresAt})
                """);
            written.Add((id, key));
        }

        return written;
    }

    private string UpgradeScript(string document)
    {
        Match block = Regex.Match(document, $@"\n### {Regex.Escape(Heading)}\n.*?```sql\n(.*?)```", RegexOptions.Singleline);
        block.Success.Should().BeTrue($"docs/upgrading.md has a ```sql block under '### {Heading}'");
        return block.Groups[1].Value;
    }
}

[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlUpgradeFrom01Tests(PostgreSqlServer postgres) : UpgradeFrom01Tests(DatabaseKind.PostgreSql, postgres)
{
    protected override string Heading => "PostgreSQL";

    protected override string Schema01 => """
        CREATE TABLE orders (
            "Id" uuid NOT NULL PRIMARY KEY, "Customer" character varying(100) NOT NULL, "Amount" numeric NOT NULL);
        CREATE TABLE outbox_messages (
            id uuid NOT NULL, topic character varying(249) NOT NULL, key character varying(450), type character varying(256),
            payload bytea NOT NULL, headers text, status integer NOT NULL, attempts integer NOT NULL,
            created_at timestamp with time zone NOT NULL, next_attempt_at timestamp with time zone NOT NULL,
            published_at timestamp with time zone, completed_at timestamp with time zone, last_error character varying(2000),
            lease_owner character varying(200), lease_expires_at timestamp with time zone,
            CONSTRAINT "PK_outbox_messages" PRIMARY KEY (id));
        CREATE INDEX ix_outbox_messages_completed ON outbox_messages (completed_at) WHERE status = 2;
        CREATE INDEX ix_outbox_messages_key_unfinished ON outbox_messages (key, id) WHERE status < 2;
        CREATE INDEX ix_outbox_messages_unfinished ON outbox_messages (id) WHERE status < 2;
        """;
}

public sealed class SqliteUpgradeFrom01Tests() : UpgradeFrom01Tests(DatabaseKind.Sqlite, null)
{
    protected override string Heading => "SQLite";

    protected override string Schema01 => """
        CREATE TABLE orders ("Id" TEXT NOT NULL PRIMARY KEY, "Customer" TEXT NOT NULL, "Amount" TEXT NOT NULL);
        CREATE TABLE "outbox_messages" (
            "id" TEXT NOT NULL CONSTRAINT "PK_outbox_messages" PRIMARY KEY, "topic" TEXT NOT NULL, "key" TEXT NULL, "type" TEXT NULL,
            "payload" BLOB NOT NULL, "headers" TEXT NULL, "status" INTEGER NOT NULL, "attempts" INTEGER NOT NULL,
            "created_at" TEXT NOT NULL, "next_attempt_at" TEXT NOT NULL, "published_at" TEXT NULL, "completed_at" TEXT NULL,
            "last_error" TEXT NULL, "lease_owner" TEXT NULL, "lease_expires_at" TEXT NULL);
        CREATE INDEX "ix_outbox_messages_completed" ON "outbox_messages" ("completed_at") WHERE status = 2;
        CREATE INDEX "ix_outbox_messages_key_unfinished" ON "outbox_messages" ("key", "id") WHERE status < 2;
        CREATE INDEX "ix_outbox_messages_unfinished" ON "outbox_messages" ("id") WHERE status < 2;
        """;
}
