using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Outbox.Cleanup;
using Outbox.Core.Tests.Relay;
using Outbox.Diagnostics;
using Outbox.Relay;
using Outbox.Transport;

namespace Outbox.Core.Tests.DependencyInjection;

public sealed class OutboxServiceCollectionExtensionsTests
{
    [Fact]
    public void AddOutbox_CalledTwice_RegistersOneRelayAndRunsEachCallbackOnce()
    {
        int first = 0, second = 0;
        var services = new ServiceCollection().AddLogging();

        services.AddOutbox(_ => first++);
        services.AddOutbox(_ => second++);
        services.AddOutboxStoreContracts(new FakeOutboxStore());
        services.AddSingleton<IOutboxTransport>(new FakeOutboxTransport());
        using ServiceProvider provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IOptions<OutboxOptions>>().Value;
        first.Should().Be(1);
        second.Should().Be(1);
        provider.GetServices<IHostedService>().Select(s => s.GetType().Name).Should().BeEquivalentTo("OutboxRelayService", "OutboxCleanupService", "OutboxBacklogGauges");
        provider.GetRequiredService<IMessageRelay>().Should().NotBeNull();
    }

    [Fact]
    public async Task HostStart_NoStoreNoTransport_FailsSayingWhatToCall()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddOutbox();
        using IHost host = builder.Build();

        Func<Task> start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .WithMessage("*No outbox store is registered*UseEntityFrameworkCore*")
            .WithMessage("*No outbox transport is registered*UseKafka*");
    }

    [Theory]
    [InlineData("BatchSize")]
    [InlineData("PollingInterval")]
    [InlineData("MaxAttempts")]
    [InlineData("LeaseDuration")]
    [InlineData("DeadRetention")]
    [InlineData("RelayName")]
    [InlineData("MaxConcurrentBatches")]
    public async Task HostStart_OptionOutOfRange_FailsNamingTheOption(string option)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddOutbox(o =>
        {
            switch (option)
            {
                case "BatchSize": o.BatchSize = 0; break;
                case "PollingInterval": o.PollingInterval = TimeSpan.Zero; break;
                case "MaxAttempts": o.MaxAttempts = 0; break;
                case "LeaseDuration": o.LeaseDuration = TimeSpan.FromMilliseconds(10); break;
                case "DeadRetention": o.DeadRetention = TimeSpan.Zero; break;
                case "RelayName": o.RelayName = " "; break;
                case "MaxConcurrentBatches": o.MaxConcurrentBatches = 0; break;
            }
        });
        builder.Services.AddOutboxStoreContracts(new FakeOutboxStore());
        builder.Services.AddSingleton<IOutboxTransport>(new FakeOutboxTransport());
        using IHost host = builder.Build();

        Func<Task> start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage($"*OutboxOptions.{option}*");
    }
}

public sealed class OutboxConfigurationBindingTests
{
    [Fact]
    public void AddOutbox_ConfigurationSection_BindsTheOptions()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outbox:RelayName"] = "from-config",
            ["Outbox:PollingInterval"] = "00:00:02",
            ["Outbox:BatchSize"] = "42",
            ["Outbox:PreserveKeyOrder"] = "false",
        }).Build();
        var services = new ServiceCollection().AddLogging();

        services.AddOutbox(configuration.GetSection("Outbox"));
        services.AddOutboxStoreContracts(new FakeOutboxStore());
        services.AddSingleton<IOutboxTransport>(new FakeOutboxTransport());
        using ServiceProvider provider = services.BuildServiceProvider();

        OutboxOptions options = provider.GetRequiredService<IOptionsMonitor<OutboxOptions>>().Get(Options.DefaultName);
        (options.RelayName, options.PollingInterval, options.BatchSize, options.PreserveKeyOrder)
            .Should().Be(("from-config", TimeSpan.FromSeconds(2), 42, false));
    }

    [Fact]
    public void AddOutbox_ConfigurationSection_BindsEveryDocumentedKey()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outbox:RelayName"] = "relay-a",
            ["Outbox:EnableRelay"] = "true",
            ["Outbox:DirectSend"] = "true",
            ["Outbox:PollingInterval"] = "00:00:03",
            ["Outbox:BatchSize"] = "100",
            ["Outbox:MaxConcurrentBatches"] = "4",
            ["Outbox:LeaseDuration"] = "00:00:30",
            ["Outbox:MaxAttempts"] = "7",
            ["Outbox:RetryDelay"] = "00:00:02",
            ["Outbox:MaxRetryDelay"] = "00:01:00",
            ["Outbox:PreserveKeyOrder"] = "false",
            ["Outbox:CompletedRetention"] = "00:00:00",
            ["Outbox:DeadRetention"] = "7.00:00:00",
            ["Outbox:CleanupInterval"] = "00:05:00",
            ["Outbox:CleanupBatchSize"] = "250",
            ["Outbox:BacklogRefreshInterval"] = "00:00:20",
        }).Build();
        var services = new ServiceCollection().AddLogging();

        services.AddOutbox(configuration.GetSection("Outbox"));
        services.AddOutboxStoreContracts(new FakeOutboxStore());
        services.AddSingleton<IOutboxTransport>(new FakeOutboxTransport());
        using ServiceProvider provider = services.BuildServiceProvider();

        OutboxOptions o = provider.GetRequiredService<IOptions<OutboxOptions>>().Value;
        (o.RelayName, o.EnableRelay, o.DirectSend, o.PollingInterval, o.BatchSize, o.MaxConcurrentBatches, o.LeaseDuration, o.MaxAttempts)
            .Should().Be(("relay-a", true, true, TimeSpan.FromSeconds(3), 100, 4, TimeSpan.FromSeconds(30), 7));
        (o.RetryDelay, o.MaxRetryDelay, o.PreserveKeyOrder, o.CompletedRetention, o.DeadRetention, o.CleanupInterval, o.CleanupBatchSize, o.BacklogRefreshInterval)
            .Should().Be((TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), false, TimeSpan.Zero, TimeSpan.FromDays(7), TimeSpan.FromMinutes(5), 250, TimeSpan.FromSeconds(20)));
    }
}
