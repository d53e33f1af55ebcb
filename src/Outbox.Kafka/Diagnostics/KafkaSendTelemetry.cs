using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Outbox.Diagnostics;
using Outbox.Transport;

namespace Outbox.Kafka.Diagnostics;

/// <summary>
/// The Kafka transport's spans and metrics, by OpenTelemetry's messaging semantic conventions: a
/// <c>send {topic}</c> producer span per batch, linked to the trace each message's writer was in
/// (its <c>traceparent</c> header), and the messaging client's operation duration (seconds) and
/// sent-message count, tagged with the relay, the topic and the outcome.
/// </summary>
internal sealed class KafkaSendTelemetry
{
    /// <summary>
    /// The most writer traces one send span links to. OpenTelemetry's SDK keeps 128 links per span by
    /// default and drops the rest, so parsing more headers would be work for nothing.
    /// </summary>
    internal const int MaxLinks = 128;

    /// <summary>The messaging conventions' advice for operation durations, in seconds.</summary>
    internal static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    internal static readonly ActivitySource ActivitySource = new(OutboxDiagnostics.KafkaActivitySourceName, typeof(KafkaSendTelemetry).Assembly.GetName().Version?.ToString());

    private readonly Histogram<double> duration;
    private readonly Counter<long> sent;
    private readonly IOptions<OutboxOptions>? outboxOptions;

    /// <param name="meterFactory">The host's meter factory; without one the meter is still listenable by name.</param>
    /// <param name="outboxOptions">The outbox options, for the relay name tag; <see langword="null"/> outside a host.</param>
    public KafkaSendTelemetry(IMeterFactory? meterFactory, IOptions<OutboxOptions>? outboxOptions)
    {
        Meter meter = meterFactory?.Create(OutboxDiagnostics.KafkaMeterName) ?? new Meter(OutboxDiagnostics.KafkaMeterName);
        duration = meter.CreateHistogram(
            KafkaTelemetryNames.OperationDuration,
            "s",
            "Time of one send: from handing a batch to the producer to its last delivery report.",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        sent = meter.CreateCounter<long>(KafkaTelemetryNames.SentMessages, "{message}", "Messages the producer was asked to send, by outcome.");
        this.outboxOptions = outboxOptions;
    }

    /// <summary>
    /// Gets the relay name tag, read at the first send, never in the constructor: the transport is
    /// built while the outbox options are validated (the validator asks it for its limits), and
    /// reading them here re-entered their creation and hung the host's start.
    /// </summary>
    private string? RelayName => outboxOptions?.Value.RelayName;

    /// <summary>Starts the producer span of one batch, or returns <see langword="null"/> when nobody listens.</summary>
    /// <param name="messages">The batch.</param>
    /// <param name="topic">The batch's one topic, or <see langword="null"/> when it spans several.</param>
    public Activity? StartSend(IReadOnlyList<OutboxMessage> messages, string? topic)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        var tags = new TagList
        {
            { KafkaTelemetryNames.System, KafkaTelemetryNames.Kafka },
            { KafkaTelemetryNames.OperationName, KafkaTelemetryNames.Send },
            { KafkaTelemetryNames.OperationType, KafkaTelemetryNames.Send },
        };
        if (topic is not null)
        {
            tags.Add(KafkaTelemetryNames.DestinationName, topic);
        }

        if (messages.Count == 1)
        {
            tags.Add(KafkaTelemetryNames.MessageId, messages[0].Id.ToString("D"));
        }
        else
        {
            tags.Add(KafkaTelemetryNames.BatchMessageCount, messages.Count);
        }

        if (RelayName is { } relayName)
        {
            tags.Add(KafkaTelemetryNames.RelayName, relayName);
        }

        // Conventions: "{operation} {destination}", just the operation when the destination is not one topic.
        string name = topic is null ? KafkaTelemetryNames.Send : $"{KafkaTelemetryNames.Send} {topic}";
        return ActivitySource.StartActivity(name, ActivityKind.Producer, parentContext: default, tags, WriterLinks(messages));
    }

    /// <summary>Records a finished batch: the outcome on the span, the duration and the per-topic, per-outcome counts.</summary>
    public void Finished(Activity? activity, IReadOnlyList<OutboxMessage> messages, OutboxSendResult[] results, string? topic, TimeSpan elapsed)
    {
        string outcome = BatchOutcome(results);
        activity?.SetTag(KafkaTelemetryNames.Outcome, outcome);
        if (outcome != KafkaTelemetryNames.Delivered)
        {
            activity?.SetTag(KafkaTelemetryNames.ErrorType, outcome);
        }

        if (duration.Enabled)
        {
            TagList tags = Common(topic, outcome);
            duration.Record(elapsed.TotalSeconds, tags);
        }

        if (!sent.Enabled)
        {
            return;
        }

        // Few topics and four outcomes per batch: count runs of equal (topic, outcome), add each once.
        var counts = new List<(string Topic, string Outcome, long Count)>(1);
        for (int i = 0; i < results.Length; i++)
        {
            string one = OutcomeOf(results[i].Status);
            int at = counts.FindIndex(c => c.Outcome == one && c.Topic == messages[i].Topic);
            if (at < 0)
            {
                counts.Add((messages[i].Topic, one, 1));
            }
            else
            {
                counts[at] = counts[at] with { Count = counts[at].Count + 1 };
            }
        }

        foreach ((string countTopic, string countOutcome, long count) in counts)
        {
            sent.Add(count, Common(countTopic, countOutcome));
        }
    }

    private TagList Common(string? topic, string outcome)
    {
        var tags = new TagList
        {
            { KafkaTelemetryNames.System, KafkaTelemetryNames.Kafka },
            { KafkaTelemetryNames.OperationName, KafkaTelemetryNames.Send },
            { KafkaTelemetryNames.Outcome, outcome },
        };
        if (topic is not null)
        {
            tags.Add(KafkaTelemetryNames.DestinationName, topic);
        }

        if (RelayName is { } relayName)
        {
            tags.Add(KafkaTelemetryNames.RelayName, relayName);
        }

        if (outcome != KafkaTelemetryNames.Delivered)
        {
            tags.Add(KafkaTelemetryNames.ErrorType, outcome);
        }

        return tags;
    }

    /// <summary>Links to the spans the messages were written in (their W3C <c>traceparent</c> headers), one per writer span, at most <see cref="MaxLinks"/>.</summary>
    private static List<ActivityLink>? WriterLinks(IReadOnlyList<OutboxMessage> messages)
    {
        List<ActivityLink>? links = null;
        HashSet<(ActivityTraceId, ActivitySpanId)>? seen = null; // one link per writer span, whatever its tracestate
        for (int i = 0; i < messages.Count && (links is null || links.Count < MaxLinks); i++)
        {
            OutboxMessage message = messages[i];
            if (message.Headers is null || !message.Headers.Contains(OutboxHeaderNames.TraceParent, StringComparison.Ordinal))
            {
                continue;
            }

            IReadOnlyDictionary<string, string> headers;
            try
            {
                headers = message.ReadHeaders();
            }
            catch (JsonException)
            {
                continue; // The send rejects the message for it; the span just has no link.
            }

            if (headers.TryGetValue(OutboxHeaderNames.TraceParent, out string? traceParent)
                && ActivityContext.TryParse(traceParent, headers.GetValueOrDefault(OutboxHeaderNames.TraceState), isRemote: true, out ActivityContext context)
                && (seen ??= []).Add((context.TraceId, context.SpanId)))
            {
                (links ??= []).Add(new ActivityLink(context, new ActivityTagsCollection { [KafkaTelemetryNames.MessageId] = message.Id.ToString("D") }));
            }
        }

        return links;
    }

    private static string BatchOutcome(OutboxSendResult[] results)
    {
        string? outcome = null;
        foreach (OutboxSendResult result in results)
        {
            string one = OutcomeOf(result.Status);
            if (outcome is not null && outcome != one)
            {
                return KafkaTelemetryNames.Partial;
            }

            outcome = one;
        }

        return outcome ?? KafkaTelemetryNames.Delivered;
    }

    private static string OutcomeOf(OutboxSendStatus status) => status switch
    {
        OutboxSendStatus.Delivered or OutboxSendStatus.Sent => KafkaTelemetryNames.Delivered,
        OutboxSendStatus.Rejected => KafkaTelemetryNames.Rejected,
        OutboxSendStatus.NotSent => KafkaTelemetryNames.NotSent,
        _ => KafkaTelemetryNames.Failed,
    };
}
