using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.Storage;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.PostgreSql;

namespace Outbox.EntityFrameworkCore.Tests.Storage;

/// <summary>
/// The outcome UPDATE on PostgreSQL must find its rows by id, whatever the statistics say. Joined
/// against <c>unnest(...)</c> it was planned, after an ANALYZE that saw no PUBLISH row, as a nested
/// loop that rescanned the array for every row: quadratic in the batch size.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlOutcomePlanTests(PostgreSqlServer postgres) : IAsyncLifetime
{
    private StoreTestHost host = null!;

    public async Task InitializeAsync() => host = await StoreTestHost.CreateAsync(DatabaseKind.PostgreSql, postgres);

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task RecordOutcomes_DeliveredBatchAfterAnAnalyzeThatSawNoPublishedRow_IsOneStatementWithNoJoin()
    {
        await host.WriteAsync(2000, key: null);
        await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        await context.Database.ExecuteSqlRawAsync("ANALYZE outbox_messages");
        IReadOnlyList<OutboxMessage> claimed = await host.ClaimAsync("relay-a", batchSize: 500);
        OutboxOutcome[] delivered = claimed.Select(m => new OutboxOutcome(m.Id, "relay-a", OutboxStatus.Complete, m.Attempts, TimeSpan.Zero, null)).ToArray();

        OutboxSql sql = new OutboxSql.Cache<TestDbContext>().Get(context);
        IReadOnlyList<OutboxStatement> statements = sql.Dialect.Bookkeeping(sql.Table, delivered, claim: null, deleteCompleted: false, relaxedCommit: true);
        string plan = await ExplainAsync(context, sql, statements.Single());
        int applied = await host.WithStoreAsync(store => store.RecordOutcomesAsync(delivered));

        statements.Should().ContainSingle("a delivered batch writes the same values to every row");
        plan.Should().NotContain("Function Scan").And.NotContain("Join Filter", "rows are found by id, not by joining the outcomes:\n" + plan);
        applied.Should().Be(500);
        (await host.ReadAllAsync()).Count(r => r.Status == OutboxStatus.Complete).Should().Be(500);
    }

    private static async Task<string> ExplainAsync(DbContext context, OutboxSql sql, OutboxStatement statement)
    {
        await context.Database.OpenConnectionAsync();
        await using DbCommand command = context.Database.GetDbConnection().CreateCommand();
        command.CommandText = "EXPLAIN " + statement.Text;
        foreach (OutboxParameter parameter in statement.Parameters)
        {
            command.Parameters.Add(sql.Parameters.Create(command, parameter));
        }

        var lines = new List<string>();
        await using DbDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
