using System.Diagnostics;

namespace Outbox.Benchmarks.Infrastructure;

/// <summary>Load generators: closed loop (N writers back to back) and open loop (scheduled by time).</summary>
internal static class Load
{
    /// <summary>Runs <paramref name="writers"/> concurrent loops of <paramref name="transaction"/> for <paramref name="duration"/>.</summary>
    /// <returns>How many completed, and the elapsed time until the last one finished.</returns>
    public static async Task<(long Count, TimeSpan Elapsed)> ClosedLoopAsync(int writers, TimeSpan duration, Func<long, Task> transaction, long firstIndex = 0)
    {
        long sequence = firstIndex;
        long done = 0;
        long started = Stopwatch.GetTimestamp();
        Task[] loops = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                await transaction(Interlocked.Increment(ref sequence));
                Interlocked.Increment(ref done);
            }
        })).ToArray();
        await Task.WhenAll(loops);
        return (done, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Runs <paramref name="writers"/> concurrent loops that share <paramref name="count"/> transactions (indexes 0 to count - 1) until all have completed.</summary>
    public static async Task ClosedLoopCountAsync(int writers, long count, Func<long, Task> transaction)
    {
        long next = -1;
        Task[] loops = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await transaction(i);
            }
        })).ToArray();
        await Task.WhenAll(loops);
    }

    /// <summary>
    /// Offers <paramref name="rate"/> transactions per second for <paramref name="duration"/>,
    /// each started at its scheduled time whether or not earlier ones have finished (open loop:
    /// a slow system builds a queue instead of lowering the offered load).
    /// </summary>
    /// <param name="transaction">Called with the message index and its scheduled timestamp.</param>
    public static async Task OpenLoopAsync(int rate, TimeSpan duration, Func<long, long, Task> transaction)
    {
        long total = (long)(rate * duration.TotalSeconds);
        double interval = Stopwatch.Frequency / (double)rate;
        var running = new List<Task>((int)total);
        long start = Stopwatch.GetTimestamp();
        long i = 0;
        while (i < total)
        {
            long now = Stopwatch.GetTimestamp();
            while (i < total && start + (long)(i * interval) <= now)
            {
                long index = i;
                long scheduled = start + (long)(index * interval);
                running.Add(Task.Run(() => transaction(index, scheduled)));
                i++;
            }

            if (i < total)
            {
                // Sleep to the next due time (timer resolution is about 1 ms; messages due meanwhile
                // start together on wake-up, each keeping its scheduled time). Never spin: 2 cores.
                long nextDue = start + (long)(i * interval);
                TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), nextDue);
                await Task.Delay(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1));
            }
        }

        await Task.WhenAll(running);
    }
}
