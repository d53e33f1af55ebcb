using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Outbox.AspNetCore.Throughput;

namespace Outbox.AspNetCore.Tests.Dashboard;

/// <summary>How the dashboard is mapped: off unless mapped, behind an authorization policy, read-only, and the start-up errors.</summary>
public sealed class MapOutboxDashboardTests
{
    [Fact]
    public async Task NotMapped_NothingServed()
    {
        await using DashboardApp app = await DashboardApp.StartAsync(map: _ => { });

        (await app.Client.GetAsync("outbox")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await app.Client.GetAsync("outbox/api/summary")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RequireAuthorization_CallersWithoutThePolicy_RefusedOnThePageAndEveryEndpoint()
    {
        await using DashboardApp app = await DashboardApp.StartAsync(map: a => a.MapOutboxDashboard("/outbox").RequireAuthorization(DashboardApp.OperatorsPolicy));
        IReadOnlyList<OutboxMessage> dead = await app.WriteAsync(1);
        await app.MarkDeadAsync(dead, "boom");

        foreach (string path in new[] { "outbox", "outbox/dashboard.js", "outbox/api/summary", "outbox/api/dead", $"outbox/api/messages/{dead[0].Id}", "outbox/api/throughput", "outbox/api/antiforgery" })
        {
            (await app.Client.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"{path} needs a signed-in caller");
            using var wrongRole = new HttpRequestMessage(HttpMethod.Get, path);
            wrongRole.Headers.Add(DashboardApp.RoleHeader, "sales");
            (await app.Client.SendAsync(wrongRole)).StatusCode.Should().Be(HttpStatusCode.Forbidden, $"{path} needs the ops role");
            using var allowed = new HttpRequestMessage(HttpMethod.Get, path);
            allowed.Headers.Add(DashboardApp.RoleHeader, "ops");
            (await app.Client.SendAsync(allowed)).StatusCode.Should().Be(HttpStatusCode.OK, $"an operator may read {path}");
        }

        (await app.Client.PostAsJsonAsync("outbox/api/requeue", new { ids = new[] { dead[0].Id } })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await app.ReadRowAsync(dead[0].Id)).Status.Should().Be(OutboxStatus.Dead);
    }

    [Fact]
    public async Task OtherPrefix_PageAndEndpointsUnderIt()
    {
        await using DashboardApp app = await DashboardApp.StartAsync(map: a => a.MapOutboxDashboard("/ops/outbox-dashboard"));

        (await app.Client.GetStringAsync("ops/outbox-dashboard")).Should().Contain("content=\"/ops/outbox-dashboard\"");
        (await app.Client.GetAsync("ops/outbox-dashboard/api/summary")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await app.Client.GetAsync("outbox")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ReadOnly_NoRequeueEndpointAndNoAntiforgeryNeeded()
    {
        await using DashboardApp app = await DashboardApp.StartAsync(antiforgery: false, map: a => a.MapOutboxDashboard("/outbox", o => o.AllowRequeue = false));
        IReadOnlyList<OutboxMessage> dead = await app.WriteAsync(1);
        await app.MarkDeadAsync(dead, "boom");

        (await app.Client.GetStringAsync("outbox")).Should().Contain("<meta name=\"outbox-allow-requeue\" content=\"false\">");
        (await app.Client.PostAsJsonAsync("outbox/api/requeue", new { ids = new[] { dead[0].Id } })).StatusCode.Should().BeOneOf(HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed);
        (await app.ReadRowAsync(dead[0].Id)).Status.Should().Be(OutboxStatus.Dead);
        (await app.Client.GetAsync("outbox/api/dead")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RequeueWithoutAntiforgeryRegistered_FailsAtMapSayingTheFix()
    {
        Func<Task> start = async () => await (await DashboardApp.StartAsync(antiforgery: false)).DisposeAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("AddAntiforgery()").And.Contain("AllowRequeue = false");
    }

    [Theory]
    [InlineData(nameof(OutboxDashboardOptions.PayloadPreviewBytes))]
    [InlineData(nameof(OutboxDashboardOptions.RefreshInterval))]
    [InlineData(nameof(OutboxDashboardOptions.ThroughputInterval))]
    [InlineData(nameof(OutboxDashboardOptions.ThroughputHistory))]
    public async Task OptionOutOfRange_FailsAtMapNamingTheOption(string option)
    {
        Action<OutboxDashboardOptions> configure = option switch
        {
            nameof(OutboxDashboardOptions.PayloadPreviewBytes) => o => o.PayloadPreviewBytes = -1,
            nameof(OutboxDashboardOptions.RefreshInterval) => o => o.RefreshInterval = TimeSpan.FromMilliseconds(10),
            nameof(OutboxDashboardOptions.ThroughputInterval) => o => o.ThroughputInterval = TimeSpan.Zero,
            _ => o => o.ThroughputHistory = TimeSpan.FromSeconds(15), // not a whole number of 10-second intervals
        };

        Func<Task> start = async () => await (await DashboardApp.StartAsync(map: a => a.MapOutboxDashboard("/outbox", configure))).DisposeAsync();

        (await start.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("OutboxDashboardOptions." + option).And.Contain("allowed: ");
    }
}
