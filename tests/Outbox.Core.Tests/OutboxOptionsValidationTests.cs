using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Outbox.Core.Tests.Relay;
using Outbox.Transport;

namespace Outbox.Core.Tests;

/// <summary>
/// <see cref="OutboxOptions"/>' rules: each option's own range from its data annotations (the
/// generated <see cref="OutboxOptionsFieldValidator"/>), the rules across options from
/// <see cref="OutboxOptionsValidator"/>. One case per kind of annotation.
/// </summary>
public sealed class OutboxOptionsValidationTests
{
    [Fact]
    public void Options_Defaults_AreValid()
    {
        Validate(_ => { }).Should().BeEmpty();
    }

    [Theory]
    [InlineData("BatchSize", "*OutboxOptions.BatchSize is 10001. Set it between 1 and 10000 (the default is 500).*")]
    [InlineData("CleanupBatchSize", "*OutboxOptions.CleanupBatchSize is 0. Set it between 1 and 100000 (the default is 1000).*")]
    [InlineData("PollingInterval", "*OutboxOptions.PollingInterval is 00:00:00. Set a positive interval (the default is 1 second).*")]
    [InlineData("LeaseDuration", "*OutboxOptions.LeaseDuration is 2.00:00:00. Set 1 second to 1 day*(the default is 20 seconds).*")]
    [InlineData("CompletedRetention", "*OutboxOptions.CompletedRetention is -00:00:01. Set zero (delete at once) or a positive time (the default is 1 day).*")]
    [InlineData("RelayNameEmpty", "*OutboxOptions.RelayName is empty. Set a name for this relay (the default is the machine name).*")]
    [InlineData("RelayNameLong", "*OutboxOptions.RelayName is 101 characters. Use 1 to 100 printable characters: the lease owner column holds it with a per-process id.*")]
    [InlineData("RelayNameControl", "*OutboxOptions.RelayName is 7 characters with a control character. Use 1 to 100*")]
    [InlineData("JsonSerializerOptions", "*OutboxOptions.JsonSerializerOptions is null. Leave the default or set an instance.*")]
    [InlineData("MaxOutageRetryDelay", "*OutboxOptions.MaxOutageRetryDelay is 00:00:00. Set a positive delay up to 1 day (the default is 30 seconds).*")]
    [InlineData("RetryDelayAboveMax", "*OutboxOptions.RetryDelay (00:10:00) is above MaxRetryDelay (00:05:00)*")]
    public void Options_OutOfRange_MessageNamesTheOptionAndTheFix(string option, string expected)
    {
        IReadOnlyList<string> failures = Validate(o =>
        {
            switch (option)
            {
                case "BatchSize": o.BatchSize = 10_001; break;
                case "CleanupBatchSize": o.CleanupBatchSize = 0; break;
                case "PollingInterval": o.PollingInterval = TimeSpan.Zero; break;
                case "LeaseDuration": o.LeaseDuration = TimeSpan.FromDays(2); break;
                case "CompletedRetention": o.CompletedRetention = TimeSpan.FromSeconds(-1); break;
                case "RelayNameEmpty": o.RelayName = ""; break;
                case "RelayNameLong": o.RelayName = new string('r', OutboxOptions.MaxRelayNameLength + 1); break;
                case "RelayNameControl": o.RelayName = "relay\n1"; break;
                case "JsonSerializerOptions": o.JsonSerializerOptions = null!; break;
                case "MaxOutageRetryDelay": o.MaxOutageRetryDelay = TimeSpan.Zero; break;
                case "RetryDelayAboveMax": o.RetryDelay = TimeSpan.FromMinutes(10); break;
            }
        });

        failures.Should().ContainSingle().Which.Should().Match(expected);
    }

    [Fact]
    public void Options_CompletedRetentionZero_IsValid()
    {
        Validate(o => o.CompletedRetention = TimeSpan.Zero).Should().BeEmpty();
    }

    [Fact]
    public void Options_MaxRetryDelayZero_OneMessageNotTwo()
    {
        Validate(o => o.MaxRetryDelay = TimeSpan.Zero).Should().ContainSingle().Which.Should().Contain("OutboxOptions.MaxRetryDelay is 00:00:00. Set a positive delay");
    }

    private static IReadOnlyList<string> Validate(Action<OutboxOptions> configure)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddOutbox(configure);
        services.AddOutboxStoreContracts(new FakeOutboxStore());
        services.AddSingleton<IOutboxTransport>(new FakeOutboxTransport());
        using ServiceProvider provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<OutboxOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures];
        }
    }
}
