using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Outbox.AspNetCore.Tests.Dashboard;

/// <summary>The dashboard's page and JSON endpoints over HTTP, on a real Kestrel host with the outbox on SQLite and the embedded Kafka cluster.</summary>
public sealed class DashboardEndpointsTests : IAsyncLifetime
{
    private DashboardApp app = null!;

    public async Task InitializeAsync() => app = await DashboardApp.StartAsync();

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task Summary_MessagesInEveryUnfinishedStatus_CountsInitPublishDeadAndTheOldestAge()
    {
        IReadOnlyList<OutboxMessage> dead = await app.WriteAsync(2);
        await app.MarkDeadAsync(dead, "broker said no");
        await app.WriteAsync(3);
        await app.ClaimAsync(1);

        JsonElement summary = await app.Client.GetFromJsonAsync<JsonElement>("outbox/api/summary");

        summary.GetProperty("init").GetInt64().Should().Be(2);
        summary.GetProperty("publish").GetInt64().Should().Be(1);
        summary.GetProperty("dead").GetInt64().Should().Be(2);
        summary.GetProperty("oldestUnfinishedAgeSeconds").GetDouble().Should().BeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task Summary_EmptyOutbox_ZeroCountsAndNoAge()
    {
        JsonElement summary = await app.Client.GetFromJsonAsync<JsonElement>("outbox/api/summary");

        (summary.GetProperty("init").GetInt64(), summary.GetProperty("publish").GetInt64(), summary.GetProperty("dead").GetInt64()).Should().Be((0L, 0L, 0L));
        summary.GetProperty("oldestUnfinishedAgeSeconds").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Dead_DeadMessages_ListedOldestFirstWithTheirErrors()
    {
        IReadOnlyList<OutboxMessage> dead = await app.WriteAsync(2);
        await app.MarkDeadAsync(dead, "Broker: Message size too large");
        await app.WriteAsync(1); // INIT: not listed

        JsonElement body = await app.Client.GetFromJsonAsync<JsonElement>("outbox/api/dead?limit=10");

        body.GetProperty("limit").GetInt32().Should().Be(10);
        JsonElement[] messages = body.GetProperty("messages").EnumerateArray().ToArray();
        messages.Select(m => m.GetProperty("id").GetGuid()).Should().Equal(dead.Select(m => m.Id));
        messages.Should().OnlyContain(m => m.GetProperty("lastError").GetString() == "Broker: Message size too large" && m.GetProperty("topic").GetString() == DashboardApp.Topic && m.GetProperty("attempts").GetInt32() == 5);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("ten")]
    [InlineData("-5")]
    public async Task Dead_LimitOutOfRange_400ProblemNamingLimit(string limit)
    {
        HttpResponseMessage response = await app.Client.GetAsync($"outbox/api/dead?limit={limit}");

        await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "limit");
    }

    [Fact]
    public async Task Message_LargeUtf8Payload_HeadersAndTheFirst4KbAsText()
    {
        byte[] payload = Encoding.UTF8.GetBytes("{\"note\":\"" + new string('é', 5000) + "\"}"); // 10,011 bytes, 2-byte characters
        OutboxMessage written = (await app.WriteAsync(1, payload, new Dictionary<string, string> { ["tenant"] = "acme" }))[0];

        JsonElement message = await app.Client.GetFromJsonAsync<JsonElement>($"outbox/api/messages/{written.Id}");

        message.GetProperty("id").GetGuid().Should().Be(written.Id);
        message.GetProperty("status").GetString().Should().Be("INIT");
        message.GetProperty("type").GetString().Should().Be("OrderPlaced");
        message.GetProperty("headers").GetProperty("tenant").GetString().Should().Be("acme");
        JsonElement preview = message.GetProperty("payload");
        preview.GetProperty("length").GetInt32().Should().Be(payload.Length);
        preview.GetProperty("truncated").GetBoolean().Should().BeTrue();
        preview.GetProperty("encoding").GetString().Should().Be("utf-8");
        string text = preview.GetProperty("preview").GetString()!;
        int previewLength = preview.GetProperty("previewLength").GetInt32();
        previewLength.Should().BeInRange(4095, 4096, "4096 bytes, less the half of a 2-byte character the cut split");
        Encoding.UTF8.GetByteCount(text).Should().Be(previewLength);
        payload.AsSpan(0, previewLength).SequenceEqual(Encoding.UTF8.GetBytes(text)).Should().BeTrue("the preview is the payload's first bytes");
    }

    [Fact]
    public async Task Message_BinaryPayload_Base64OfTheWholeSmallPayload()
    {
        byte[] payload = [0, 1, 2, 0xFF, 0xFE, 0x80];
        OutboxMessage written = (await app.WriteAsync(1, payload))[0];

        JsonElement preview = (await app.Client.GetFromJsonAsync<JsonElement>($"outbox/api/messages/{written.Id}")).GetProperty("payload");

        preview.GetProperty("encoding").GetString().Should().Be("base64");
        Convert.FromBase64String(preview.GetProperty("preview").GetString()!).Should().Equal(payload);
        preview.GetProperty("truncated").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Message_DeadMessage_ShowsStatusAndLastError()
    {
        IReadOnlyList<OutboxMessage> dead = await app.WriteAsync(1);
        await app.MarkDeadAsync(dead, "Local: Unknown topic");

        JsonElement message = await app.Client.GetFromJsonAsync<JsonElement>($"outbox/api/messages/{dead[0].Id}");

        message.GetProperty("status").GetString().Should().Be("DEAD");
        message.GetProperty("lastError").GetString().Should().Be("Local: Unknown topic");
        message.GetProperty("completedAt").ValueKind.Should().Be(JsonValueKind.String);
    }

    [Fact]
    public async Task Message_NotAnId_400ProblemNamingId()
    {
        HttpResponseMessage response = await app.Client.GetAsync("outbox/api/messages/not-a-guid");

        await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task Message_UnknownId_404Problem()
    {
        HttpResponseMessage response = await app.Client.GetAsync($"outbox/api/messages/{Guid.NewGuid()}");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task Requeue_WithTheAntiforgeryToken_DeadMessageBackToInit()
    {
        IReadOnlyList<OutboxMessage> dead = await app.WriteAsync(2);
        await app.MarkDeadAsync(dead, "boom");
        (string header, string token) = await DashboardApp.GetAntiforgeryAsync(app.Client);

        using var request = new HttpRequestMessage(HttpMethod.Post, "outbox/api/requeue") { Content = JsonContent.Create(new { ids = new[] { dead[0].Id } }) };
        request.Headers.Add(header, token);
        HttpResponseMessage response = await app.Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonElement body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("requeued").GetInt32().Should().Be(1);
        (await app.ReadRowAsync(dead[0].Id)).Status.Should().Be(OutboxStatus.Init);
        (await app.ReadRowAsync(dead[1].Id)).Status.Should().Be(OutboxStatus.Dead, "only the listed id is requeued");
    }

    [Fact]
    public async Task Requeue_NoAntiforgeryToken_400AndNothingRequeued()
    {
        IReadOnlyList<OutboxMessage> dead = await app.WriteAsync(1);
        await app.MarkDeadAsync(dead, "boom");
        await DashboardApp.GetAntiforgeryAsync(app.Client); // the cookie alone, as a cross-site request would carry it

        HttpResponseMessage response = await app.Client.PostAsJsonAsync("outbox/api/requeue", new { ids = new[] { dead[0].Id } });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("antiforgery");
        (await app.ReadRowAsync(dead[0].Id)).Status.Should().Be(OutboxStatus.Dead);
    }

    [Fact]
    public async Task Requeue_TokenWithoutItsCookie_400AndNothingRequeued()
    {
        IReadOnlyList<OutboxMessage> dead = await app.WriteAsync(1);
        await app.MarkDeadAsync(dead, "boom");
        (string header, string token) = await DashboardApp.GetAntiforgeryAsync(app.NewClient()); // another browser's token
        using HttpClient attacker = app.NewClient();

        using var request = new HttpRequestMessage(HttpMethod.Post, "outbox/api/requeue") { Content = JsonContent.Create(new { ids = new[] { dead[0].Id } }) };
        request.Headers.Add(header, token);
        HttpResponseMessage response = await attacker.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await app.ReadRowAsync(dead[0].Id)).Status.Should().Be(OutboxStatus.Dead);
    }

    [Fact]
    public async Task Requeue_FormPost_415AndNothingRequeued()
    {
        IReadOnlyList<OutboxMessage> dead = await app.WriteAsync(1);
        await app.MarkDeadAsync(dead, "boom");
        (string header, string token) = await DashboardApp.GetAntiforgeryAsync(app.Client);

        using var request = new HttpRequestMessage(HttpMethod.Post, "outbox/api/requeue") { Content = new FormUrlEncodedContent([new("ids", dead[0].Id.ToString()), new("__RequestVerificationToken", token)]) };
        request.Headers.Add(header, token);
        HttpResponseMessage response = await app.Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        (await app.ReadRowAsync(dead[0].Id)).Status.Should().Be(OutboxStatus.Dead);
    }

    [Theory]
    [InlineData("{\"ids\": []}")]
    [InlineData("{\"ids\": [\"nope\"]}")]
    [InlineData("{}")]
    [InlineData("[")]
    public async Task Requeue_BadBody_400ProblemNamingIds(string json)
    {
        (string header, string token) = await DashboardApp.GetAntiforgeryAsync(app.Client);

        using var request = new HttpRequestMessage(HttpMethod.Post, "outbox/api/requeue") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add(header, token);
        HttpResponseMessage response = await app.Client.SendAsync(request);

        await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "ids");
    }

    [Theory]
    [InlineData("outbox")]
    [InlineData("outbox/")]
    public async Task Page_ServedWithItsBasePathAndAStrictContentSecurityPolicy(string path)
    {
        HttpResponseMessage response = await app.Client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        string html = await response.Content.ReadAsStringAsync();
        html.Should().Contain("<meta name=\"outbox-base\" content=\"/outbox\">").And.Contain("src=\"/outbox/dashboard.js\"").And.Contain("id=\"count-dead\"");
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("script-src 'self'").And.Contain("frame-ancestors 'none'");
    }

    [Theory]
    [InlineData("outbox/dashboard.js", "text/javascript", "outbox-base")]
    [InlineData("outbox/dashboard.css", "text/css", ".cards")]
    public async Task Assets_ServedFromTheAssembly(string path, string mediaType, string content)
    {
        HttpResponseMessage response = await app.Client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be(mediaType);
        (await response.Content.ReadAsStringAsync()).Should().Contain(content);
        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.TryAddWithoutValidation("If-None-Match", response.Headers.ETag!.Tag);
        (await app.Client.SendAsync(again)).StatusCode.Should().Be(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task Throughput_NoDeliveriesYet_EveryIntervalZero()
    {
        JsonElement body = await app.Client.GetFromJsonAsync<JsonElement>("outbox/api/throughput");

        body.GetProperty("intervalSeconds").GetDouble().Should().Be(10);
        JsonElement[] intervals = body.GetProperty("intervals").EnumerateArray().ToArray();
        intervals.Should().HaveCount(60, "10 minutes of 10-second intervals");
        intervals.Should().OnlyContain(i => i.GetProperty("delivered").GetInt64() == 0);
    }

    internal static async Task ShouldBeProblemAsync(HttpResponseMessage response, HttpStatusCode status, string parameter)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        JsonElement problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").TryGetProperty(parameter, out JsonElement messages).Should().BeTrue($"the problem names '{parameter}': {problem}");
        messages[0].GetString().Should().StartWith(parameter);
    }
}
