using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outbox.Diagnostics;
using Outbox.Storage;
using Outbox.Transport;

namespace Outbox.Confirmation;

/// <summary>The store call in its own scope, the delivered counter and the log line of a confirmation.</summary>
internal sealed partial class OutboxConfirmations(IServiceScopeFactory scopeFactory, OutboxMetrics metrics, ILogger<OutboxConfirmations> logger) : IOutboxConfirmations
{
    public async Task<int> ConfirmAsync(IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        if (messageIds.Count == 0)
        {
            return 0;
        }

        int completed;
        AsyncServiceScope scope = scopeFactory.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            IOutboxConfirmationStore store = scope.ServiceProvider.GetRequiredService<IOutboxConfirmationStore>();
            completed = await store.ConfirmAsync(messageIds, cancellationToken).ConfigureAwait(false);
        }

        // The store tells how many, not which: the count carries the relay tag, no topic.
        metrics.Delivered.Add(completed);
        Log.Confirmed(logger, completed, messageIds.Count);
        return completed;
    }
}
