namespace Outbox.Samples.Tests.Concert;

/// <summary>Polls a condition until it holds or a deadline passes: the relay and the consumers work asynchronously.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for: {what}");
            }

            await Task.Delay(PollInterval);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        HoldsAsync(() => Task.FromResult(condition()), timeout, what);
}
