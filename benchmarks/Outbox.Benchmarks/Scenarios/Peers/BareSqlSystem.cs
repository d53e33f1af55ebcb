using System.Diagnostics;
using Npgsql;
using Outbox.Benchmarks.Infrastructure;

namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>
/// The write floor: the <c>orders</c> row and the outbox row the store writes, sent by Npgsql as
/// one batch (one round trip, no EF Core, no library), as <see cref="WriteScenarios"/> measures
/// it. Nothing is sent; it shows how close the whole path is to what the database itself allows.
/// </summary>
internal sealed class BareSqlSystem(NpgsqlDataSource source, Workload work, string topic) : IPeerSystem
{
    public bool Delivers => false;

    public IReadOnlyList<string> OutboxTables { get; } = ["outbox_messages"];

    public static Task<IPeerSystem> StartAsync(PeerRun run, Workload work) =>
        Task.FromResult<IPeerSystem>(new BareSqlSystem(NpgsqlDataSource.Create(run.ConnectionString), work, run.Topic));

    public async Task<long> WriteAsync(PeerOrder order)
    {
        await work.BareWriteAsync(source, order.Index, topic, BareWrite.OutboxRowInBatch);
        return Stopwatch.GetTimestamp();
    }

    public Task WaitSettledAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => source.DisposeAsync();
}
