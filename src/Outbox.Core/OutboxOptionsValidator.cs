using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Outbox;

/// <summary>Checks <see cref="OutboxOptions"/> and that a store and a transport are registered; the host fails at start with what to fix.</summary>
internal sealed class OutboxOptionsValidator(IServiceProviderIsService services) : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.RelayName))
        {
            failures.Add("OutboxOptions.RelayName is empty. Set a name for this relay (the default is the machine name).");
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

        if (options.LeaseDuration < TimeSpan.FromSeconds(1))
        {
            failures.Add($"OutboxOptions.LeaseDuration is {options.LeaseDuration}. Set at least 1 second, longer than a send can take (the default is 2 minutes).");
        }

        if (options.MaxAttempts < 1)
        {
            failures.Add($"OutboxOptions.MaxAttempts is {options.MaxAttempts}. Set at least 1 (the default is 20).");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.RetryDelay)
        {
            failures.Add($"OutboxOptions.RetryDelay ({options.RetryDelay}) must be positive and not above MaxRetryDelay ({options.MaxRetryDelay}).");
        }

        if (options.MaxPayloadBytes < 1)
        {
            failures.Add($"OutboxOptions.MaxPayloadBytes is {options.MaxPayloadBytes}. Set a positive size (the default is 1,000,000).");
        }

        if (options.CompletedRetention < TimeSpan.Zero)
        {
            failures.Add($"OutboxOptions.CompletedRetention is {options.CompletedRetention}. Set zero (delete at once) or a positive time (the default is 1 day).");
        }

        if (options.CleanupInterval <= TimeSpan.Zero)
        {
            failures.Add($"OutboxOptions.CleanupInterval is {options.CleanupInterval}. Set a positive interval (the default is 1 minute).");
        }

        if (options.CleanupBatchSize is < 1 or > 100_000)
        {
            failures.Add($"OutboxOptions.CleanupBatchSize is {options.CleanupBatchSize}. Set it between 1 and 100000 (the default is 1000).");
        }

        if (options.JsonSerializerOptions is null)
        {
            failures.Add("OutboxOptions.JsonSerializerOptions is null. Leave the default or set an instance.");
        }

        if (!services.IsService(typeof(IOutboxStore)))
        {
            failures.Add("No outbox store is registered. Call a store extension on the builder, for example services.AddOutbox().UseEntityFrameworkCore<TDbContext>().");
        }

        if (options.EnableRelay && !services.IsService(typeof(IOutboxTransport)))
        {
            failures.Add("No outbox transport is registered. Call a transport extension on the builder, for example .UseKafka(k => k.BootstrapServers = \"localhost:9092\"), or set EnableRelay = false in a process that only writes events.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
