using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Outbox.Reliability.Writer;

/// <summary>
/// Stops the inbox consumer in the one place the inbox exists for: after its
/// <paramref name="commits"/>-th transaction committed and before the offset is committed. It
/// prints <c>DIE-POINT &lt;n&gt;</c> and blocks the consumer's thread for the test's SIGKILL.
/// </summary>
internal sealed class DieAfterCommitInterceptor(int commits) : DbTransactionInterceptor
{
    private int committed;

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed();

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed();
        return Task.CompletedTask;
    }

    private void Committed()
    {
        if (Interlocked.Increment(ref committed) == commits)
        {
            Console.WriteLine($"DIE-POINT {commits}");
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
