using System.Collections.Concurrent;
using System.Diagnostics;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// Application writers committing concurrently. Writer w owns its keys ("w{w}-k{n}") and commits
/// sequentially, so each key's commit order is the order its writer added the messages.
/// </summary>
public sealed class ConcurrentWriters
{
    private readonly ConcurrentBag<Guid> written = [];

    /// <summary>Gets the committed ids.</summary>
    public IReadOnlyCollection<Guid> Written => written;

    /// <summary>Gets every key's ids in commit order.</summary>
    public ConcurrentDictionary<string, List<Guid>> CommitOrder { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets how many transactions committed.</summary>
    public int Transactions => transactions;

    private int transactions;

    /// <summary>Runs <paramref name="writers"/> writers until <paramref name="duration"/> passes or each wrote <paramref name="perWriter"/> messages.</summary>
    public async Task RunAsync(ScenarioHost host, string topic, int writers, TimeSpan duration, int perWriter, int perTransaction, TimeSpan pause, int keysPerWriter)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            int count = 0;
            while (count < perWriter && clock.Elapsed < duration)
            {
                string[] keys = Enumerable.Range(0, perTransaction).Select(_ => $"w{w}-k{random.Next(keysPerWriter)}").ToArray();
                List<Guid> ids = await host.CommitAsync(topic, perTransaction, i => keys[i]);
                for (int i = 0; i < ids.Count; i++)
                {
                    CommitOrder.GetOrAdd(keys[i], _ => []).Add(ids[i]);
                    written.Add(ids[i]);
                }

                Interlocked.Increment(ref transactions);
                count += ids.Count;
                await Task.Delay(pause);
            }
        })));
    }
}
