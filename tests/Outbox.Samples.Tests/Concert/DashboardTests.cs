using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Outbox.Samples.Tests.Concert;

/// <summary>The sample maps the outbox dashboard at /outbox, beside its own /outbox/summary.</summary>
public sealed class DashboardTests(ConcertApp app) : IClassFixture<ConcertApp>
{
    [Fact]
    public async Task Dashboard_AfterAReservation_PageServedAndTheRelaysDeliveryCounted()
    {
        (await app.ReserveAsync(userId: 1, seatId: 40)).StatusCode.Should().Be(HttpStatusCode.Created);
        await app.RelayIdleAsync();

        string page = await app.Api.GetStringAsync("/outbox");
        page.Should().Contain("id=\"count-dead\"").And.Contain("/outbox/dashboard.js");
        JsonElement summary = await app.Api.GetFromJsonAsync<JsonElement>("/outbox/api/summary");
        (summary.GetProperty("init").GetInt64(), summary.GetProperty("publish").GetInt64()).Should().Be((0L, 0L));
        await Eventually.HoldsAsync(
            async () => (await app.Api.GetFromJsonAsync<JsonElement>("/outbox/api/throughput")).GetProperty("intervals").EnumerateArray().Sum(i => i.GetProperty("delivered").GetInt64()) >= 1,
            ConcertApp.Timeout,
            "the dashboard's throughput counts the reservation's event");
        (await app.Api.GetAsync("/outbox/summary")).StatusCode.Should().Be(HttpStatusCode.OK, "the sample's own endpoint is still there");
    }
}
