using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Outbox.Core.Tests.Relay;
using Outbox.Diagnostics;
using Outbox.Transport;

namespace Outbox.Core.Tests.Confirmation;

public sealed class OutboxConfirmationsTests
{
    [Fact]
    public async Task ConfirmAsync_PublishedMessages_CompletesThemAndCountsThemDelivered()
    {
        var store = new FakeOutboxStore();
        OutboxMessage published = Message(OutboxStatus.Publish), complete = Message(OutboxStatus.Complete);
        store.Add(published);
        store.Add(complete);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOutbox(o => o.RelayName = "confirming");
        services.AddSingleton<IOutboxTransport>(new FakeOutboxTransport());
        services.AddOutboxStoreContracts(store);
        await using ServiceProvider provider = services.BuildServiceProvider();
        var delivered = new List<(long Value, object? Relay)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == OutboxDiagnostics.MeterName && instrument.Name == "outbox.messages.delivered")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            object? relay = null;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                relay = tag.Key == "outbox.relay.name" ? tag.Value : relay;
            }

            lock (delivered)
            {
                delivered.Add((value, relay));
            }
        });
        listener.Start();

        int completed = await provider.GetRequiredService<IOutboxConfirmations>().ConfirmAsync([published.Id, complete.Id, Guid.NewGuid()]);

        completed.Should().Be(1, "only the PUBLISH message moves; a complete or unknown id is ignored");
        store.Get(published.Id).Status.Should().Be(OutboxStatus.Complete);
        lock (delivered)
        {
            // The meter is process-wide: other test classes running in parallel count under their own relay names.
            delivered.Where(d => d.Relay is "confirming").Should().ContainSingle().Which.Should().Be((1L, (object?)"confirming"));
        }
    }

    private static OutboxMessage Message(OutboxStatus status) =>
        new() { Id = Guid.NewGuid(), Topic = "orders", Payload = [1], Status = status };
}
