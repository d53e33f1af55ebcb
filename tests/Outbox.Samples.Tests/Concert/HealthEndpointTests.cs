using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Concert.Application;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Outbox.Samples.Tests.Concert;

/// <summary>The sample's <c>/health</c>: the outbox check's status and its backlog figures as JSON.</summary>
public sealed class HealthEndpointTests(HealthEndpointTests.App app) : IClassFixture<HealthEndpointTests.App>
{
    [Fact]
    public async Task Health_RelayRunningNothingDead_HealthyThenADeadMessage_DegradedWithItsCount()
    {
        using HttpResponseMessage reserved = await app.ReserveAsync(userId: 3, seatId: 40);
        reserved.StatusCode.Should().Be(HttpStatusCode.Created);
        Guid eventId = (await reserved.Content.ReadFromJsonAsync<ReservationResult>(ConcertApp.Json))!.EventId;
        await app.RelayIdleAsync();

        JsonElement healthy = await WaitForHealthAsync(h => h.GetProperty("status").GetString() == "Healthy");
        JsonElement outbox = healthy.GetProperty("checks").GetProperty("outbox");
        outbox.GetProperty("data").GetProperty("relay").GetString().Should().Be("running");
        outbox.GetProperty("data").GetProperty("dead").GetInt64().Should().Be(0);

        // As if the broker had refused it MaxAttempts times: an operator must see it.
        await app.QueryAsync(db => db.Set<OutboxMessage>().Where(m => m.Id == eventId).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Dead)));

        JsonElement degraded = await WaitForHealthAsync(h => h.GetProperty("status").GetString() == "Degraded");
        degraded.GetProperty("checks").GetProperty("outbox").GetProperty("data").GetProperty("dead").GetInt64().Should().Be(1);
    }

    /// <summary>Reads /health until <paramref name="condition"/> holds (the backlog figures refresh every second here).</summary>
    private async Task<JsonElement> WaitForHealthAsync(Func<JsonElement, bool> condition)
    {
        JsonElement last = default;
        await Eventually.HoldsAsync(
            async () =>
            {
                using HttpResponseMessage response = await app.Api.GetAsync("/health");
                response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
                last = await response.Content.ReadFromJsonAsync<JsonElement>();
                return condition(last);
            },
            ConcertApp.Timeout,
            "the health report to change");
        return last;
    }

    /// <summary>The app with the backlog figures refreshed every second instead of every ten.</summary>
    public sealed class App : ConcertApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Outbox:BacklogRefreshInterval", "00:00:01");
        }
    }
}
