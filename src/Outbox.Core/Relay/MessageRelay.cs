namespace Outbox.Relay;

/// <summary>
/// <see cref="IMessageRelay"/>: one pass of the same pipeline the hosted relay runs (a worker's
/// pass, then its outcomes recorded at once), for tests and tools that drive the relay by hand.
/// </summary>
internal sealed class MessageRelay(RelayPipeline pipeline) : IMessageRelay
{
    public async Task<int> RelayOnceAsync(CancellationToken cancellationToken = default)
    {
        RelayWorker worker = pipeline.CreateWorker();
        int claimed = await worker.PassAsync(cancellationToken).ConfigureAwait(false);
        await worker.FlushAsync().ConfigureAwait(false);
        return claimed;
    }
}
