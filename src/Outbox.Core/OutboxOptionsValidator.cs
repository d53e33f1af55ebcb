using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Outbox.Storage;
using Outbox.Transport;

namespace Outbox;

/// <summary>
/// Checks the rules across <see cref="OutboxOptions"/> (the lease against the transport's longest
/// delivery, the first retry delay against the longest) and that a store and a transport are
/// registered; the host fails at start with what to fix. Each option's own range is checked by
/// <see cref="OutboxOptionsFieldValidator"/>.
/// </summary>
internal sealed class OutboxOptionsValidator(IServiceProvider services) : IValidateOptions<OutboxOptions>
{
    /// <summary>What the lease must outlast the transport's longest delivery by: the relay's own produce loop and clock-rate drift.</summary>
    internal static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(2);

    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var failures = new List<string>();

        // Each option's own range is OutboxOptionsFieldValidator's (data annotations); these rules
        // relate options to each other and to the registered store and transport.
        if (options.EnableRelay && options.LeaseDuration >= TimeSpan.FromSeconds(1) && options.LeaseDuration <= TimeSpan.FromDays(1)
            && TransportLimits() is { } limits && options.LeaseDuration < limits.MaxDeliveryTime + LeaseMargin)
        {
            failures.Add($"OutboxOptions.LeaseDuration is {options.LeaseDuration}, but a send through the transport can take up to {limits.MaxDeliveryTime}, and a relay must never send after its lease ends. Set LeaseDuration to at least {limits.MaxDeliveryTime + LeaseMargin}, or lower the transport's delivery timeout (for Kafka: OutboxKafkaOptions.SendTimeout and request.timeout.ms).");
        }

        if (options.RetryDelay > TimeSpan.Zero && options.MaxRetryDelay > TimeSpan.Zero && options.MaxRetryDelay < options.RetryDelay)
        {
            failures.Add($"OutboxOptions.RetryDelay ({options.RetryDelay}) is above MaxRetryDelay ({options.MaxRetryDelay}). Lower RetryDelay or raise MaxRetryDelay: retries start at RetryDelay and double up to MaxRetryDelay.");
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
