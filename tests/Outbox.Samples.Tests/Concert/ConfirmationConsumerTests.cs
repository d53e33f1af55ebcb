using System.Net;
using System.Net.Http.Json;
using Concert.Application;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Outbox.Kafka;

namespace Outbox.Samples.Tests.Concert;

/// <summary>The sample with the seeds' confirmation consumer group switched on by configuration.</summary>
public sealed class ConfirmationConsumerTests(ConfirmationConsumerTests.ConfirmingConcertApp app) : IClassFixture<ConfirmationConsumerTests.ConfirmingConcertApp>
{
    [Fact]
    public async Task Reserve_WithConfirmationModeConsumer_RowBecomesCompleteWhenTheConfirmationGroupReadsItBack()
    {
        // Only the confirmation group completes messages in this mode (the relay leaves them PUBLISH).
        app.Services.GetRequiredService<IOptions<OutboxKafkaOptions>>().Value.ConfirmationMode.Should().Be(KafkaConfirmationMode.Consumer);
        using HttpResponseMessage reserved = await app.ReserveAsync(userId: 1, seatId: 3);
        reserved.StatusCode.Should().Be(HttpStatusCode.Created);
        ReservationResult reservation = (await reserved.Content.ReadFromJsonAsync<ReservationResult>(ConcertApp.Json))!;

        await Eventually.HoldsAsync(
            async () => (await app.OutboxRowsAsync()).Single(r => r.Id == reservation.EventId).Status == OutboxStatus.Complete,
            ConcertApp.Timeout,
            "the confirmation consumer group completed the reservation event");

        OutboxMessage row = (await app.OutboxRowsAsync()).Single(r => r.Id == reservation.EventId);
        row.LeaseOwner.Should().BeNull();
        row.Attempts.Should().Be(0);
    }

    /// <summary>The app with <c>Outbox:Kafka:ConfirmationMode=Consumer</c>.</summary>
    public sealed class ConfirmingConcertApp : ConcertApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Outbox:Kafka:ConfirmationMode", "Consumer");
            builder.UseSetting("Outbox:Kafka:Consumer:fetch.wait.max.ms", "10");
        }
    }
}
