using Npgsql;
using Outbox.Direct;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// Samples the outbox table every 20 ms, whatever process relays, for the most claimed messages of
/// one key in flight at once (PUBLISH under a live lease, claimed: <c>published_at</c> set): the
/// promise is at most one. Rows written owned by a direct sender are PUBLISH from their insert
/// while they wait in its memory, and the database is not told when one is sent, so the table
/// cannot show theirs: for those, one at a time is the DirectSender unit tests' check, and order
/// on the topic each scenario's. A sample can miss an overlap shorter than its interval; the
/// scenarios that provoke overlaps hold them longer.
/// </summary>
public sealed class InFlightMonitor : IAsyncDisposable
{
    private const string Query = """
        SELECT COALESCE(MAX(n), 0) FROM (
            SELECT COUNT(*) AS n FROM outbox_messages
            WHERE status = 1 AND lease_expires_at > now() AND key IS NOT NULL AND published_at IS NOT NULL
            GROUP BY key) AS per_key
        """;

    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;
    private int max;

    private InFlightMonitor(string connectionString) => sampling = Task.Run(() => SampleAsync(connectionString, stop.Token));

    /// <summary>Gets the most messages of one key seen in flight at once so far.</summary>
    public int Max => Volatile.Read(ref max);

    /// <summary>Gets how many samples were taken.</summary>
    public int Samples { get; private set; }

    public static InFlightMonitor Start(string connectionString) => new(connectionString);

    private async Task SampleAsync(string connectionString, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand(Query, connection);
                while (!cancellationToken.IsCancellationRequested)
                {
                    int seen = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
                    if (seen > Volatile.Read(ref max))
                    {
                        Volatile.Write(ref max, seen);
                    }

                    Samples++;
                    await Task.Delay(20, cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The database is away (the outage scenario): sample again when it is back.
                await Task.Delay(200, CancellationToken.None);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sampling;
        stop.Dispose();
    }
}
