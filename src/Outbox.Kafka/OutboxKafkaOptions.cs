using System.ComponentModel.DataAnnotations;
using Confluent.Kafka;

namespace Outbox.Kafka;

/// <summary>Configures the Kafka transport added by <c>UseKafka</c>.</summary>
/// <remarks>
/// The producer is configured from <see cref="Producer"/> as given, plus the outbox's defaults
/// for the keys it leaves unset: <c>enable.idempotence=true</c>, <c>acks=all</c>,
/// <c>linger.ms=1</c> (a relay batch is enqueued at once, so it is still sent in few requests
/// while a single fast-path message waits at most 1 ms), <c>batch.num.messages=10000</c>,
/// <c>batch.size=1000000</c>, <c>client.id=outbox</c>, <c>message.timeout.ms</c> from
/// <see cref="SendTimeout"/> and <c>request.timeout.ms</c> at 80 % of it (so a request already on
/// the wire cannot land long after the delivery timeout, and after the relay's lease).
/// </remarks>
public sealed class OutboxKafkaOptions
{
    /// <summary>
    /// Gets or sets the initial broker list (<c>host:port</c>, comma separated). Used when
    /// <see cref="Producer"/> has no <c>bootstrap.servers</c>; a value set there wins.
    /// </summary>
    /// <value>The default is <see langword="null"/>: one of the two must be set, or the host fails at start.</value>
    public string? BootstrapServers { get; set; }

    /// <summary>
    /// Gets or sets how long the producer may try to deliver a message (librdkafka's
    /// <c>message.timeout.ms</c>, retries included) before the send counts as failed and is
    /// retried later by the relay. Ignored when <see cref="Producer"/> sets
    /// <c>message.timeout.ms</c>. A send can take this plus <c>request.timeout.ms</c> plus 1 second,
    /// and <see cref="OutboxOptions.LeaseDuration"/> must exceed that by 2 seconds (checked at start).
    /// </summary>
    /// <value>The default value is 5 seconds (with the default request timeout, sends take at most 10 seconds).</value>
    [OptionRange(typeof(TimeSpan), "00:00:00", "24.20:31:23.6470000", MinimumIsExclusive = true, ErrorMessage = "{0} is {3}. Set a positive duration up to {2} (the default is 5 seconds).")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets the Confluent.Kafka producer configuration, passed to the producer as given
    /// (security: <c>security.protocol</c>, SASL, SSL; tuning; any librdkafka property).
    /// The outbox's defaults (see <see cref="OutboxKafkaOptions"/>) fill only the keys not set here.
    /// Delivery reports must stay enabled: the transport completes messages from them.
    /// </summary>
    /// <value>The default is an empty configuration.</value>
    public ProducerConfig Producer { get; } = new();

    /// <summary>Gets or sets how sent messages become COMPLETE.</summary>
    /// <value>The default value is <see cref="KafkaConfirmationMode.DeliveryReport"/>.</value>
    public KafkaConfirmationMode ConfirmationMode { get; set; } = KafkaConfirmationMode.DeliveryReport;

    /// <summary>Gets or sets the consumer group of the confirmation consumer (<see cref="KafkaConfirmationMode.Consumer"/> only).</summary>
    /// <value>The default value is <c>outbox-confirmation</c>.</value>
    public string ConfirmationGroupId { get; set; } = "outbox-confirmation";

    /// <summary>Gets the topics the confirmation consumer reads (<see cref="KafkaConfirmationMode.Consumer"/> only; required there): every topic the application publishes to.</summary>
    /// <value>The default is an empty list.</value>
    public IList<string> ConfirmationTopics { get; } = [];

    /// <summary>
    /// Gets the Confluent.Kafka consumer configuration for the confirmation consumer, passed as
    /// given (security settings, tuning). <c>bootstrap.servers</c> and <c>group.id</c> default
    /// to <see cref="BootstrapServers"/> and <see cref="ConfirmationGroupId"/>.
    /// </summary>
    /// <value>The default is an empty configuration.</value>
    public ConsumerConfig Consumer { get; } = new();
}
