namespace Outbox.Transport;

/// <summary>What a transport can send, declared by the transport so that nothing <see cref="IOutbox"/> accepts fails later for a reason known up front.</summary>
/// <param name="MaxDeliveryTime">The longest one send can take, from the moment the transport starts it until the broker has it or it has failed for good (for Kafka: the delivery timeout plus the request timeout).</param>
/// <param name="MaxRecordBytes">The largest record the broker takes: key, headers (the outbox's own included) and payload together.</param>
public sealed record OutboxTransportLimits(TimeSpan MaxDeliveryTime, int MaxRecordBytes)
{
    /// <summary>Gets the topics the transport sends to, or <see langword="null"/> for any legal topic.</summary>
    public IReadOnlySet<string>? Topics { get; init; }

    /// <summary>
    /// Gets the transport's rule for topic names: given a non-empty topic, it returns
    /// <see langword="null"/> when the transport can send to it, else why not, as a sentence that
    /// says what a legal name is (it becomes the message of the <see cref="ArgumentException"/>
    /// that <see cref="IOutbox"/> throws). <see langword="null"/> for no rule beyond non-empty.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<string, string?>? ValidateTopic { get; init; }

    /// <summary>Gets what applies when no transport is registered (a process that only writes): the Kafka producer's default size and time, no topic rule (the relay's transport checks the topic when it sends).</summary>
    public static OutboxTransportLimits Default { get; } = new(TimeSpan.FromSeconds(10), 1_000_000);
}
