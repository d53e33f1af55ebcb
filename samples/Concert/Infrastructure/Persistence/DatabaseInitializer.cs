using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Concert.Infrastructure.Persistence;

/// <summary>
/// Creates the schema (EnsureCreated: this is a demo, a real app would run migrations) and the
/// demo data on start. Registered before the outbox, so the tables exist before its relay polls.
/// </summary>
internal sealed partial class DatabaseInitializer(
    IServiceScopeFactory scopeFactory,
    IOptions<DatabaseOptions> options,
    TimeProvider clock,
    ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        ConcertDbContext db = scope.ServiceProvider.GetRequiredService<ConcertDbContext>();
        bool created;
        try
        {
            created = await db.Database.EnsureCreatedAsync(cancellationToken);
        }
        catch (DbException e)
        {
            throw new InvalidOperationException(
                $"Could not reach the {options.Value.Provider} database set by ConnectionStrings:{DatabaseOptions.ConnectionStringName} (Database:Provider={options.Value.Provider}): {e.Message} Check that the server runs and the connection string is right.",
                e);
        }

        if (db.Database.IsSqlite())
        {
            // WAL: the relay and the consumers read while a request writes.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        if (options.Value.Seed && !await db.Shows.AnyAsync(cancellationToken))
        {
            db.Shows.Add(DemoData.CreateShow(clock.GetUtcNow()));
            db.Users.AddRange(DemoData.CreateUsers());
            await db.SaveChangesAsync(cancellationToken);
            LogSeeded(logger);
        }

        LogReady(logger, db.Database.ProviderName, created);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Database ready ({Provider}, schema created now: {Created})")]
    private static partial void LogReady(ILogger logger, string? provider, bool created);

    [LoggerMessage(LogLevel.Information, "Added the demo concert (50 seats) and 3 users")]
    private static partial void LogSeeded(ILogger logger);
}
