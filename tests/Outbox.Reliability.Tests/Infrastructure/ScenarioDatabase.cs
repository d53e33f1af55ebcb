using Microsoft.EntityFrameworkCore;
using Npgsql;
using Outbox.TestSupport.Data;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>A fresh PostgreSQL database with the <see cref="TestDbContext"/> schema (business table + outbox), and direct reads of the outbox rows.</summary>
public sealed class ScenarioDatabase
{
    private ScenarioDatabase(string connectionString) => ConnectionString = connectionString;

    public string ConnectionString { get; }

    /// <summary>Creates a database on the server behind <paramref name="serverConnectionString"/>.</summary>
    public static async Task<ScenarioDatabase> CreateAsync(string serverConnectionString)
    {
        string name = "reliability_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(serverConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var database = new ScenarioDatabase(new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString);
        await using TestDbContext context = database.CreateContext();
        await context.Database.EnsureCreatedAsync();
        return database;
    }

    /// <summary>A context without the outbox interceptors, for set-up and checks.</summary>
    public TestDbContext CreateContext() =>
        new(new DbContextOptionsBuilder<TestDbContext>().UseNpgsql(ConnectionString).Options);

    /// <summary>Counts the outbox rows by status (read directly, whatever process relays).</summary>
    public async Task<OutboxSummary> SummaryAsync(CancellationToken cancellationToken = default)
    {
        await using TestDbContext context = CreateContext();
        var counts = await context.Set<OutboxMessage>()
            .GroupBy(m => m.Status)
            .Select(g => new { Status = g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        long Of(OutboxStatus s) => counts.Where(c => c.Status == s).Sum(c => c.Count);
        return new OutboxSummary(Of(OutboxStatus.Init), Of(OutboxStatus.Publish), Of(OutboxStatus.Complete), Of(OutboxStatus.Dead), null);
    }

    /// <summary>Reads every message's position (the database-assigned <c>seq</c>).</summary>
    public async Task<Dictionary<Guid, long>> PositionsAsync()
    {
        var positions = new Dictionary<Guid, long>();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, seq FROM outbox_messages", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            positions[reader.GetGuid(0)] = reader.GetInt64(1);
        }

        return positions;
    }

    /// <summary>Reads every outbox row, oldest first.</summary>
    public async Task<List<OutboxMessage>> RowsAsync()
    {
        await using TestDbContext context = CreateContext();
        return await context.Set<OutboxMessage>().AsNoTracking().OrderBy(m => m.Id).ToListAsync();
    }

    /// <summary>Polls the rows until <paramref name="condition"/> holds or <paramref name="timeout"/> passes; returns the last rows read.</summary>
    public async Task<List<OutboxMessage>> WaitForRowsAsync(Func<List<OutboxMessage>, bool> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            List<OutboxMessage> rows = await RowsAsync();
            if (condition(rows) || DateTime.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Polls until no message is INIT or PUBLISH and at least <paramref name="finished"/> are
    /// COMPLETE or DEAD, or <paramref name="timeout"/> passes. The drain time is measured from
    /// <paramref name="since"/>.
    /// </summary>
    /// <returns>Whether it drained, when, and the last counts (so a scenario that did not drain still reports its row before failing).</returns>
    public async Task<Drain> WaitForDrainAsync(long finished, System.Diagnostics.Stopwatch since, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        OutboxSummary? summary = null;
        while (true)
        {
            try
            {
                summary = await SummaryAsync();
                if (summary.Init == 0 && summary.Publish == 0 && summary.Complete + summary.Dead >= finished)
                {
                    return new Drain(since.Elapsed, true, summary);
                }
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                return new Drain(since.Elapsed, false, summary ?? new OutboxSummary(0, 0, 0, 0, null));
            }

            await Task.Delay(50);
        }
    }

}
