using Microsoft.Extensions.Logging;
using Outbox.Diagnostics;
using Outbox.Storage;
using Outbox.Transport;

namespace Outbox.Relay;

/// <summary>
/// The outcome step of the relay's pipeline, for the claiming relay and direct sends alike: asks
/// <see cref="OutcomePolicy"/> for each message's next state, counts it and logs it. Logs for an
/// operator during an outage: one Warning per batch with failed sends (how many, the first error),
/// each message's retry at Debug, and one Information line when a batch is delivered again after
/// failures.
/// </summary>
/// <param name="options">The relay's options.</param>
/// <param name="metrics">The counters outcomes are counted in.</param>
/// <param name="logger">The logger.</param>
/// <param name="jitter">Where each batch's jitter comes from (a number in [0, 1)); <see cref="Random.Shared"/> unless a test fixes it.</param>
internal sealed partial class SendOutcomes(OutboxOptions options, OutboxMetrics metrics, ILogger logger, Func<double>? jitter = null)
{
    private readonly OutcomePolicy policy = new(options);
    private readonly Func<double> nextJitter = jitter ?? Random.Shared.NextDouble;

    /// <summary>Failed sends since the last batch that was delivered without a failure (shared by the relay's loops).</summary>
    private long failedSinceDelivery;

    /// <param name="leaseOwner">The claim (or direct owner) the messages are held under.</param>
    /// <param name="messages">The messages, as claimed.</param>
    /// <param name="results">One result per message.</param>
    /// <param name="stopping">Whether the host is stopping: a failure then gives the message back unchanged.</param>
    public List<OutboxOutcome> For(string leaseOwner, IReadOnlyList<OutboxMessage> messages, IReadOnlyList<OutboxSendResult> results, bool stopping)
    {
        var outcomes = new List<OutboxOutcome>(messages.Count);
        var counts = new TopicCounts();
        int failedInBatch = 0, deliveredInBatch = 0;
        OutboxMessage? firstFailed = null;
        OutboxOutcome firstRetry = default;
        string? firstError = null;

        // One jitter per batch: a batch that failed together retries together (one claim, and one
        // outcome statement where the store groups equal outcomes); relays still differ.
        double batchJitter = nextJitter();
        for (int i = 0; i < messages.Count; i++)
        {
            OutboxMessage message = messages[i];
            OutboxSendResult result = results[i];
            if (policy.Next(leaseOwner, message, result, batchJitter, stopping) is not { } outcome)
            {
                Log.AwaitingConfirmation(logger, message.Id, message.Topic);
                continue;
            }

            switch (outcome.Status)
            {
                case OutboxStatus.Complete:
                    counts.Delivered(message.Topic);
                    deliveredInBatch++;
                    Log.Completed(logger, message.Id, message.Topic, message.Key);
                    break;
                case OutboxStatus.Dead when result.Status == OutboxSendStatus.Rejected:
                    counts.Dead(message.Topic);
                    Log.Rejected(logger, message.Id, message.Topic, result.Error);
                    break;
                case OutboxStatus.Dead:
                    counts.Dead(message.Topic);
                    Log.AttemptsExhausted(logger, message.Id, message.Topic, outcome.Attempts, result.Error);
                    break;
                case OutboxStatus.Init when outcome.Attempts > message.Attempts:
                    counts.Failed(message.Topic);
                    if (failedInBatch++ == 0)
                    {
                        (firstFailed, firstRetry, firstError) = (message, outcome, result.Error);
                    }

                    Log.WillRetry(logger, message.Id, message.Topic, outcome.Attempts, outcome.RetryAfter, result.Error);
                    break;
                default:
                    Log.ReleasedOne(logger, message.Id, message.Topic);
                    break;
            }

            outcomes.Add(outcome);
        }

        counts.AddTo(metrics);
        if (firstFailed is not null)
        {
            Interlocked.Add(ref failedSinceDelivery, failedInBatch);
            Log.BatchWillRetry(logger, failedInBatch, messages.Count, firstFailed.Topic, firstRetry.Attempts, firstRetry.RetryAfter, firstError);
        }
        else if (deliveredInBatch > 0 && Interlocked.Read(ref failedSinceDelivery) > 0)
        {
            long failedBefore = Interlocked.Exchange(ref failedSinceDelivery, 0);
            if (failedBefore > 0)
            {
                Log.Recovered(logger, deliveredInBatch, failedBefore);
            }
        }

        return outcomes;
    }

    // Event ids 1000-1099: the relay (shared with MessageRelay.Log).
    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Debug, "Outbox message {MessageId} PUBLISH → COMPLETE (topic {Topic}, key {Key})")]
        public static partial void Completed(ILogger logger, Guid messageId, string topic, string? key);

        [LoggerMessage(1002, LogLevel.Debug, "Outbox message {MessageId} PUBLISH → INIT: send to {Topic} failed (attempt {Attempts}), next attempt in {RetryAfter}: {Error}")]
        public static partial void WillRetry(ILogger logger, Guid messageId, string topic, int attempts, TimeSpan retryAfter, string? error);

        [LoggerMessage(1003, LogLevel.Error, "Outbox message {MessageId} PUBLISH → DEAD: {Topic} rejected it: {Error}")]
        public static partial void Rejected(ILogger logger, Guid messageId, string topic, string? error);

        [LoggerMessage(1004, LogLevel.Error, "Outbox message {MessageId} PUBLISH → DEAD after {Attempts} failed attempts to {Topic}: {Error}")]
        public static partial void AttemptsExhausted(ILogger logger, Guid messageId, string topic, int attempts, string? error);

        [LoggerMessage(1010, LogLevel.Debug, "Outbox message {MessageId} PUBLISH → INIT: released unsent to {Topic} (the relay is stopping, or too little of its lease was left)")]
        public static partial void ReleasedOne(ILogger logger, Guid messageId, string topic);

        [LoggerMessage(1015, LogLevel.Warning, "{Failed} of {Count} outbox sends failed and will be retried (first: topic {Topic}, attempt {Attempts}, next attempt in {RetryAfter}): {Error}")]
        public static partial void BatchWillRetry(ILogger logger, int failed, int count, string topic, int attempts, TimeSpan retryAfter, string? error);

        [LoggerMessage(1016, LogLevel.Information, "Outbox sends recovered: {Delivered} messages delivered after {FailedBefore} failed sends")]
        public static partial void Recovered(ILogger logger, int delivered, long failedBefore);

        [LoggerMessage(1011, LogLevel.Debug, "Outbox message {MessageId} sent to {Topic}; stays PUBLISH until a confirmation completes it")]
        public static partial void AwaitingConfirmation(ILogger logger, Guid messageId, string topic);
    }
}
