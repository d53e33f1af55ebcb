using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary>
/// The backlog query behind the gauges and the health check is asked every few seconds: on a
/// table that is mostly COMPLETE rows it must read the partial indexes only, never the table.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlBacklogPlanTests(PostgreSqlServer postgres) : IAsyncLifetime
{
    private const int CompletedRows = 200_000;

    private StoreTestHost host = null!;

    public async Task InitializeAsync() => host = await StoreTestHost.CreateAsync(DatabaseKind.PostgreSql, postgres);

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Backlog_TableOfCompletedRowsWithAFewUnfinishedAndDead_ReadsIndexesOnlyAndCountsRight()
    {
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        await InsertAsync(context, CompletedRows, OutboxStatus.Complete);
        await InsertAsync(context, 7, OutboxStatus.Dead);
        await InsertAsync(context, 5, OutboxStatus.Publish);
        await InsertAsync(context, 11, OutboxStatus.Init);
        await context.Database.ExecuteSqlRawAsync("VACUUM ANALYZE outbox_messages");

        OutboxSql sql = new OutboxSql.Cache<TestDbContext>().Get(context);
        string plan = await ExplainAsync(context, sql.Dialect.Backlog(sql.Table));
        OutboxBacklog backlog = await host.WithStoreAsync(store => store.GetBacklogAsync());

        plan.Should().NotContain("Seq Scan", "the backlog reads partial indexes, not the table:\n" + plan);
        plan.Should().Contain("ix_outbox_messages_unfinished").And.Contain("ix_outbox_messages_key_publish").And.Contain("ix_outbox_messages_dead", plan);
        backlog.Should().BeEquivalentTo(new { Init = 11L, Publish = 5L, Dead = 7L });
        backlog.OldestUnfinishedAge.Should().BeGreaterThanOrEqualTo(TimeSpan.Zero);
    }

    /// <summary>Inserts rows straight in SQL (EF Core would take minutes for the completed ones).</summary>
    private static async Task InsertAsync(DbContext context, int count, OutboxStatus status)
    {
        int code = (int)status;
        string finished = status is OutboxStatus.Complete or OutboxStatus.Dead ? "now()" : "NULL";
        string lease = status == OutboxStatus.Publish ? "now() + interval '20 seconds'" : "NULL";
        string owner = status == OutboxStatus.Publish ? "'relay-a'" : "NULL";
#pragma warning disable EF1002 // Constants of this test only, no input.
        await context.Database.ExecuteSqlRawAsync(
            $"""
            INSERT INTO outbox_messages (id, topic, key, payload, status, attempts, created_at, next_attempt_at, published_at, completed_at, lease_owner, lease_expires_at)
            SELECT gen_random_uuid(), 'orders', 'k' || (i % 1000), '\x7b7d'::bytea, {code}, 0, now(), now(), {finished}, {finished}, {owner}, {lease}
            FROM generate_series(1, {count}) AS i
            """);
#pragma warning restore EF1002
    }

    private static async Task<string> ExplainAsync(DbContext context, OutboxStatement statement)
    {
        await context.Database.OpenConnectionAsync();
        await using DbCommand command = context.Database.GetDbConnection().CreateCommand();
        command.CommandText = "EXPLAIN " + statement.Text;
        var lines = new List<string>();
        await using DbDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
