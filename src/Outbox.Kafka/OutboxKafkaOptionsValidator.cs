using Microsoft.Extensions.Options;

namespace Outbox.Kafka;

/// <summary>
/// Checks <see cref="OutboxKafkaOptions"/>: each option's own range by its data annotations (the
/// generated <see cref="OutboxKafkaOptionsFieldValidator"/>), then the rules across options and
/// producer settings; the host fails at start with what to fix.
/// </summary>
internal sealed class OutboxKafkaOptionsValidator : IValidateOptions<OutboxKafkaOptions>
{
    private static readonly OutboxKafkaOptionsFieldValidator Fields = new();

    public ValidateOptionsResult Validate(string? name, OutboxKafkaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (Fields.Validate(name, options) is { Failed: true, Failures: { } fieldFailures })
        {
            failures.AddRange(fieldFailures);
        }

        Dictionary<string, string> user = KafkaProducerSettings.Canonical(options.Producer);

        if (string.IsNullOrWhiteSpace(options.BootstrapServers) && string.IsNullOrWhiteSpace(user.GetValueOrDefault(KafkaProducerSettings.BootstrapServers)))
        {
            failures.Add("OutboxKafkaOptions.BootstrapServers is not set. Set the broker list, for example .UseKafka(k => k.BootstrapServers = \"localhost:9092\") or the BootstrapServers key of the configuration section (Producer.BootstrapServers works too).");
        }

        if (user.TryGetValue(KafkaProducerSettings.MessageTimeout, out string? timeout) && timeout.Trim() == "0")
        {
            failures.Add("OutboxKafkaOptions.Producer sets message.timeout.ms (or delivery.timeout.ms) to 0, which librdkafka reads as infinite: a send could then outlive the relay's lease and arrive after a later message of its key. Remove it and set OutboxKafkaOptions.SendTimeout, or give a positive number of milliseconds.");
        }

        if (IsFalse(user.GetValueOrDefault(KafkaProducerSettings.EnableDeliveryReports)))
        {
            failures.Add("OutboxKafkaOptions.Producer.EnableDeliveryReports is false. Remove it: the transport completes messages from delivery reports.");
        }

        if (IsTrue(user.GetValueOrDefault(KafkaProducerSettings.DeliveryReportOnlyError)))
        {
            failures.Add("OutboxKafkaOptions.Producer sets delivery.report.only.error=true. Remove it: the transport needs a delivery report for every message.");
        }

        if (!IsFalse(user.GetValueOrDefault(KafkaProducerSettings.EnableIdempotence))
            && user.TryGetValue(KafkaProducerSettings.Acks, out string? acks)
            && !string.Equals(acks, "all", StringComparison.OrdinalIgnoreCase) && acks != "-1")
        {
            failures.Add($"OutboxKafkaOptions.Producer.Acks is {acks}, but the idempotent producer needs acks=all. Remove Acks, or set EnableIdempotence = false as well (and accept duplicates and reordering on retries).");
        }

        if (options.ConfirmationMode == KafkaConfirmationMode.Consumer)
        {
            if (options.ConfirmationTopics.Count == 0 || options.ConfirmationTopics.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add("OutboxKafkaOptions.ConfirmationTopics is empty (or has an empty name) while ConfirmationMode is Consumer. List every topic the outbox publishes to, or use ConfirmationMode.DeliveryReport.");
            }

            if (string.IsNullOrWhiteSpace(options.ConfirmationGroupId))
            {
                failures.Add("OutboxKafkaOptions.ConfirmationGroupId is empty. Set a consumer group for the confirmation consumer (the default is outbox-confirmation).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsFalse(string? value) => string.Equals(value, "false", StringComparison.OrdinalIgnoreCase);

    private static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
}
