using System.Globalization;
using Confluent.Kafka;

namespace Outbox.Kafka;

/// <summary>
/// Turns <see cref="OutboxKafkaOptions"/> into the producer configuration actually used: the
/// user's keys as given, the outbox defaults for the keys left unset (aliases included).
/// </summary>
internal static class KafkaProducerSettings
{
    public const string BootstrapServers = "bootstrap.servers";
    public const string MessageTimeout = "message.timeout.ms";
    public const string RequestTimeout = "request.timeout.ms";
    public const string MessageMaxBytes = "message.max.bytes";
    public const string LingerMs = "linger.ms";
    public const string Acks = "acks";
    public const string EnableIdempotence = "enable.idempotence";
    public const string EnableDeliveryReports = "dotnet.producer.enable.delivery.reports";
    public const string DeliveryReportOnlyError = "delivery.report.only.error";

    // librdkafka accepts several names for some properties; a key set under any of them counts as set.
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["metadata.broker.list"] = BootstrapServers,
        ["delivery.timeout.ms"] = MessageTimeout,
        ["queue.buffering.max.ms"] = LingerMs,
        ["request.required.acks"] = Acks,
    };

    /// <summary>Builds the effective configuration, keyed by canonical property name.</summary>
    public static Dictionary<string, string> Build(OutboxKafkaOptions options)
    {
        Dictionary<string, string> config = Canonical(options.Producer);
        SetDefault(config, BootstrapServers, options.BootstrapServers);
        SetDefault(config, EnableIdempotence, "true");
        SetDefault(config, Acks, "all");
        SetDefault(config, LingerMs, "1");
        SetDefault(config, "batch.num.messages", "10000");
        SetDefault(config, "batch.size", "1000000");
        SetDefault(config, "client.id", "outbox");
        SetDefault(config, MessageTimeout, ((long)options.SendTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));

        // librdkafka's 30 s default would let a request already on the wire land long after the
        // delivery timeout, and so after the relay's lease: keep it inside the delivery timeout.
        SetDefault(config, RequestTimeout, Math.Max(1000, (long)(GetMessageTimeout(config).TotalMilliseconds * 0.8)).ToString(CultureInfo.InvariantCulture));
        return config;
    }

    /// <summary>Gets the user's producer keys under their canonical names.</summary>
    public static Dictionary<string, string> Canonical(ProducerConfig producer)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, string> entry in producer)
        {
            if (entry.Value is not null)
            {
                config[Aliases.GetValueOrDefault(entry.Key, entry.Key)] = entry.Value;
            }
        }

        return config;
    }

    /// <summary>Gets the effective delivery timeout of a built configuration (a 0, infinite in librdkafka, is refused by the options validator).</summary>
    public static TimeSpan GetMessageTimeout(IReadOnlyDictionary<string, string> config) => Milliseconds(config, MessageTimeout) ?? TimeSpan.FromMinutes(5); // librdkafka's own default

    /// <summary>Gets the effective request timeout of a built configuration.</summary>
    public static TimeSpan GetRequestTimeout(IReadOnlyDictionary<string, string> config) => Milliseconds(config, RequestTimeout) ?? TimeSpan.FromSeconds(30); // librdkafka's own default

    /// <summary>Gets the largest message the producer takes (key, value and headers), <c>message.max.bytes</c>.</summary>
    public static int GetMaxMessageBytes(IReadOnlyDictionary<string, string> config) =>
        config.TryGetValue(MessageMaxBytes, out string? value) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int bytes) && bytes > 0
            ? bytes
            : 1_000_000; // librdkafka's own default

    private static TimeSpan? Milliseconds(IReadOnlyDictionary<string, string> config, string key) =>
        config.TryGetValue(key, out string? value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : null;

    private static void SetDefault(Dictionary<string, string> config, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value) && (!config.TryGetValue(key, out string? current) || string.IsNullOrWhiteSpace(current)))
        {
            config[key] = value;
        }
    }
}
