using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Outbox;

/// <summary>Checks <see cref="OutboxOptions"/> and that a store and a transport are registered; the host fails at start with what to fix.</summary>
internal sealed class OutboxOptionsValidator(IServiceProvider services) : IValidateOptions<OutboxOptions>
{
    /// <summary>What the lease must outlast the transport's longest delivery by: the relay's own produce loop and clock-rate drift.</summary>
    internal static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(2);

    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.RelayName))
        {
            failures.Add("OutboxOptions.RelayName is empty. Set a name for this relay (the default is the machine name).");
        }
        else if (options.RelayName.Length > OutboxOptions.MaxRelayNameLength || options.RelayName.Any(char.IsControl) || !OutboxText.IsWellFormed(options.RelayName))
        {
            failures.Add($"OutboxOptions.RelayName is {options.RelayName.Length} characters{(options.RelayName.Any(char.IsControl) ? " with a control character" : string.Empty)}. Use 1 to {OutboxOptions.MaxRelayNameLength} printable characters: the lease owner column holds it with a per-process id.");
        }

        if (options.PollingInterval <= TimeSpan.Zero)
        {
            failures.Add($"OutboxOptions.PollingInterval is {options.PollingInterval}. Set a positive interval (the default is 1 second).");
        }

        if (options.BatchSize is < 1 or > 10_000)
        {
            failures.Add($"OutboxOptions.BatchSize is {options.BatchSize}. Set it between 1 and 10000 (the default is 500).");
        }

        if (options.MaxConcurrentBatches is < 1 or > 16)
        {
            failures.Add($"OutboxOptions.MaxConcurrentBatches is {options.MaxConcurrentBatches}. Set it between 1 and 16 (the default is 2).");
        }

        if (options.LeaseDuration < TimeSpan.FromSeconds(1) || options.LeaseDuration > TimeSpan.FromDays(1))
        {
            failures.Add($"OutboxOptions.LeaseDuration is {options.LeaseDuration}. Set 1 second to 1 day, longer than a send can take (the default is 20 seconds).");
        }
        else if (options.EnableRelay && TransportLimits() is { } limits && options.LeaseDuration < limits.MaxDeliveryTime + LeaseMargin)
        {
            failures.Add($"OutboxOptions.LeaseDuration is {options.LeaseDuration}, but a send through the transport can take up to {limits.MaxDeliveryTime}, and a relay must never send after its lease ends. Set LeaseDuration to at least {limits.MaxDeliveryTime + LeaseMargin}, or lower the transport's delivery timeout (for Kafka: OutboxKafkaOptions.SendTimeout and request.timeout.ms).");
        }

        if (options.MaxAttempts < 1)
        {
            failures.Add($"OutboxOptions.MaxAttempts is {options.MaxAttempts}. Set at least 1 (the default is 20).");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.RetryDelay)
        {
            failures.Add($"OutboxOptions.RetryDelay ({options.RetryDelay}) must be positive and not above MaxRetryDelay ({options.MaxRetryDelay}).");
        }

        if (options.CompletedRetention < TimeSpan.Zero)
        {
            failures.Add($"OutboxOptions.CompletedRetention is {options.CompletedRetention}. Set zero (delete at once) or a positive time (the default is 1 day).");
        }

        if (options.DeadRetention <= TimeSpan.Zero)
        {
            failures.Add($"OutboxOptions.DeadRetention is {options.DeadRetention}. Set a positive time (the default is 14 days): dead messages are kept for an operator to look at and requeue.");
        }

        if (options.CleanupInterval <= TimeSpan.Zero)
        {
            failures.Add($"OutboxOptions.CleanupInterval is {options.CleanupInterval}. Set a positive interval (the default is 1 minute).");
        }

        if (options.CleanupBatchSize is < 1 or > 100_000)
        {
            failures.Add($"OutboxOptions.CleanupBatchSize is {options.CleanupBatchSize}. Set it between 1 and 100000 (the default is 1000).");
        }

        if (options.BacklogRefreshInterval < TimeSpan.FromSeconds(1) || options.BacklogRefreshInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"OutboxOptions.BacklogRefreshInterval is {options.BacklogRefreshInterval}. Set 1 second to 1 hour (the default is 10 seconds): the gauges and the health check reuse the backlog figures for this long.");
        }

        if (options.JsonSerializerOptions is null)
        {
            failures.Add("OutboxOptions.JsonSerializerOptions is null. Leave the default or set an instance.");
        }

        var registered = services.GetRequiredService<IServiceProviderIsService>();
        if (!registered.IsService(typeof(IOutboxStore)))
        {
            failures.Add("No outbox store is registered. Call a store extension on the builder, for example services.AddOutbox().UseEntityFrameworkCore<TDbContext>().");
        }

        if (options.EnableRelay && !registered.IsService(typeof(IOutboxTransport)))
        {
            failures.Add("No outbox transport is registered. Call a transport extension on the builder, for example .UseKafka(k => k.BootstrapServers = \"localhost:9092\"), or set EnableRelay = false in a process that only writes events.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The registered transport's limits; <see langword="null"/> when there is none or its own options are invalid (their validator reports that).</summary>
    private OutboxTransportLimits? TransportLimits()
    {
        try
        {
            return services.GetService<IOutboxTransport>()?.Limits;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }
}
