using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Outbox.Transport;

namespace Outbox;

/// <summary>
/// Options for the outbox and its relay. Validated when the host starts: each option's own range
/// by its data annotations, the rules across options (and against the registered transport) by
/// the outbox's validator.
/// </summary>
public sealed class OutboxOptions
{
    /// <summary>The longest <see cref="RelayName"/>: the lease owner column also holds a per-process id and a claim number.</summary>
    public const int MaxRelayNameLength = 100;

    /// <summary>Gets or sets the name of this relay, used in lease owners, logs and metrics: 1 to <see cref="MaxRelayNameLength"/> printable characters.</summary>
    /// <value>The default value is the machine name.</value>
    [Required(ErrorMessage = "{0} is empty. Set a name for this relay (the default is the machine name).")]
    [PrintableText(MaxRelayNameLength, ErrorMessage = "{0} is {2} characters{3}. Use 1 to {1} printable characters: the lease owner column holds it with a per-process id.")]
    public string RelayName { get; set; } = Environment.MachineName;

    /// <summary>Gets or sets whether this process runs the hosted relay. Turn it off in processes that only write events.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool EnableRelay { get; set; } = true;

    /// <summary>
    /// Gets or sets whether messages written in this process are sent directly: owned by this
    /// process's relay from their insert and sent from memory as soon as their transaction commits,
    /// with no claim (two writes per message: the insert and the completion). The relay's claims
    /// take over what a crash, a stop or a commit the store cannot see left behind, after
    /// <see cref="LeaseDuration"/>. Needs <see cref="EnableRelay"/> and a store that supports it
    /// (the EF Core store does, for <c>SaveChanges</c> and EF Core transactions). Off by default
    /// for now: it halves the table's writes, but in the peers benchmark it delivered fewer
    /// messages per second and later than the claims do (docs/performance.md).
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool DirectSend { get; set; }

    /// <summary>Gets or sets how often the relay looks for messages when nothing woke it (the safety net behind the after-commit wake-up).</summary>
    /// <value>The default value is 1 second.</value>
    [OptionRange(typeof(TimeSpan), "00:00:00", OutboxDurations.Max, MinimumIsExclusive = true, ErrorMessage = "{0} is {3}. Set a positive interval (the default is 1 second).")]
    public TimeSpan PollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the most messages one relay pass claims and sends.</summary>
    /// <value>The default value is 500.</value>
    [OptionRange(1, 10_000, ErrorMessage = "{0} is {3}. Set it between {1} and {2} (the default is 500).")]
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Gets or sets how many batches one relay instance has in flight at once. Two let the next
    /// batch's claim and the previous batch's outcome update overlap the current batch's broker
    /// round trip (faster drains, shorter commit → ack); more add produce requests in flight per
    /// partition and little speed. Per-key order holds for any value: a key's next message is not
    /// claimable while its previous one is in flight.
    /// </summary>
    /// <value>The default value is 2.</value>
    [OptionRange(1, 16, ErrorMessage = "{0} is {3}. Set it between {1} and {2} (the default is 2).")]
    public int MaxConcurrentBatches { get; set; } = 2;

    /// <summary>
    /// Gets or sets how long a claim lasts, on the database's clock. A relay that dies leaves its
    /// messages (and the later messages of their keys) to others after this time. A relay never
    /// sends a message after its lease ends: it must be at least the transport's longest delivery
    /// time (<see cref="OutboxTransportLimits.MaxDeliveryTime"/>, 10 seconds with the Kafka
    /// transport's defaults) plus 2 seconds, or the host fails at start. What is left after the
    /// delivery time and a 1 second margin is the budget for the claim's round trip: a relay whose
    /// claims take longer gives its batches back unsent, so leave several seconds (a loaded
    /// database answers claims in 1-2 s).
    /// </summary>
    /// <value>The default value is 20 seconds (9 seconds of claim budget with the Kafka transport's defaults).</value>
    [OptionRange(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "{0} is {3}. Set 1 second to 1 day, longer than a send can take (the default is 20 seconds).")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Gets or sets how many failed sends a message may have before it becomes <see cref="OutboxStatus.Dead"/>.</summary>
    /// <value>The default value is 20.</value>
    [OptionRange(1, int.MaxValue, ErrorMessage = "{0} is {3}. Set at least 1 (the default is 20).")]
    public int MaxAttempts { get; set; } = 20;

    /// <summary>Gets or sets the delay before the first retry; later retries double it, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    /// <value>The default value is 1 second.</value>
    [OptionRange(typeof(TimeSpan), "00:00:00", OutboxDurations.Max, MinimumIsExclusive = true, ErrorMessage = "{0} is {3}. Set a positive delay, not above MaxRetryDelay (the default is 1 second).")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest delay between retries.</summary>
    /// <value>The default value is 5 minutes.</value>
    [OptionRange(typeof(TimeSpan), "00:00:00", OutboxDurations.Max, MinimumIsExclusive = true, ErrorMessage = "{0} is {3}. Set a positive delay, not below RetryDelay (the default is 5 minutes).")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets the longest wait between two tries while the database or the transport is down:
    /// failed relay passes and the direct sender's store calls retry from a short delay, doubling
    /// with jitter up to this. Lower it to resume sooner after an outage; raise it to press less on
    /// a recovering database. Messages' own retries use <see cref="RetryDelay"/> and <see cref="MaxRetryDelay"/>.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    [OptionRange(typeof(TimeSpan), "00:00:00", "1.00:00:00", MinimumIsExclusive = true, ErrorMessage = "{0} is {3}. Set a positive delay up to 1 day (the default is 30 seconds).")]
    public TimeSpan MaxOutageRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets whether messages with the same key reach the broker in the order they were
    /// committed. The relay then has at most one message per key in flight; turn it off for
    /// throughput when order does not matter.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool PreserveKeyOrder { get; set; } = true;

    /// <summary>
    /// Gets or sets how long <see cref="OutboxStatus.Complete"/> messages are kept before the
    /// clean-up deletes them. <see cref="TimeSpan.Zero"/> deletes a message as soon as the
    /// broker confirms it.
    /// </summary>
    /// <value>The default value is 1 day.</value>
    [OptionRange(typeof(TimeSpan), "00:00:00", OutboxDurations.Max, ErrorMessage = "{0} is {3}. Set zero (delete at once) or a positive time (the default is 1 day).")]
    public TimeSpan CompletedRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Gets or sets how long <see cref="OutboxStatus.Dead"/> messages are kept (for
    /// <see cref="IOutboxAdmin"/> to list and requeue) before the clean-up deletes them.
    /// </summary>
    /// <value>The default value is 14 days.</value>
    [OptionRange(typeof(TimeSpan), "00:00:00", OutboxDurations.Max, MinimumIsExclusive = true, ErrorMessage = "{0} is {3}. Set a positive time (the default is 14 days): dead messages are kept for an operator to look at and requeue.")]
    public TimeSpan DeadRetention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// Gets or sets how long the inbox (<see cref="Inbox.IOutboxInbox"/>) remembers a handled
    /// message. It must outlast every redelivery: the relay retries a message for up to
    /// <see cref="MaxAttempts"/> attempts at most <see cref="MaxRetryDelay"/> apart (20 × 5 min,
    /// under 2 hours with the defaults, plus a lease), and a consumer group that was stopped, or
    /// whose offsets were reset, reads again what the topic still holds.
    /// </summary>
    /// <value>The default value is 7 days, Kafka's default topic retention.</value>
    [OptionRange(typeof(TimeSpan), "00:00:00", OutboxDurations.Max, MinimumIsExclusive = true, ErrorMessage = "{0} is {3}. Set a positive time longer than the producers' retry horizon and your topics' retention (the default is 7 days).")]
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Gets or sets how often the clean-up looks for expired completed and dead messages and inbox records.</summary>
    /// <value>The default value is 1 minute.</value>
    [OptionRange(typeof(TimeSpan), "00:00:00", OutboxDurations.Max, MinimumIsExclusive = true, ErrorMessage = "{0} is {3}. Set a positive interval (the default is 1 minute).")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the most rows one clean-up statement deletes (short statements never hold the relay's locks for long).</summary>
    /// <value>The default value is 1,000.</value>
    [OptionRange(1, 100_000, ErrorMessage = "{0} is {3}. Set it between {1} and {2} (the default is 1000).")]
    public int CleanupBatchSize { get; set; } = 1_000;

    /// <summary>
    /// Gets or sets how long the backlog figures (INIT, PUBLISH and DEAD counts, the oldest
    /// unfinished message's age) are reused before the store is asked again. The backlog gauges
    /// and the health check share them, so scrapes and probes every few seconds cost one
    /// index-only query per interval. 1 second to 1 hour.
    /// </summary>
    /// <value>The default value is 10 seconds.</value>
    [OptionRange(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "{0} is {3}. Set 1 second to 1 hour (the default is 10 seconds): the gauges and the health check reuse the backlog figures for this long.")]
    public TimeSpan BacklogRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the JSON options for typed payloads.</summary>
    /// <value>The default value is <see cref="JsonSerializerDefaults.Web"/>.</value>
    [Required(ErrorMessage = "{0} is null. Leave the default or set an instance.")]
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);
}
