using Outbox.Storage;

namespace Outbox.Relay;

/// <summary>An auto-reset wake-up: many notifications before a wait count as one.</summary>
internal sealed class OutboxSignal : IOutboxSignal, IDisposable
{
    private readonly SemaphoreSlim semaphore = new(0, 1);

    public void Dispose() => semaphore.Dispose();

    public void Notify()
    {
        if (semaphore.CurrentCount > 0)
        {
            return; // Already signalled; skip the exception path on every commit of a busy writer.
        }

        try
        {
            semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the relay will look anyway.
        }
    }

    /// <summary>Waits for a notification or the timeout.</summary>
    /// <returns><see langword="true"/> when notified.</returns>
    public Task<bool> WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        return timeProvider == TimeProvider.System
            ? semaphore.WaitAsync(timeout, cancellationToken)
            : WaitWithProviderAsync(timeout, timeProvider, cancellationToken);
    }

    private async Task<bool> WaitWithProviderAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task delay = Task.Delay(timeout, timeProvider, timeoutSource.Token);
        Task<bool> wait = semaphore.WaitAsync(Timeout.Infinite, timeoutSource.Token);
        Task first = await Task.WhenAny(delay, wait).ConfigureAwait(false);
        await timeoutSource.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (first == wait)
        {
            return await wait.ConfigureAwait(false);
        }

        try
        {
            return await wait.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
