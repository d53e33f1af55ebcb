using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Concert.Application;
using Confluent.Kafka;

namespace Outbox.Samples.Tests.Concert;

/// <summary>Every rejected request answers its status and leaves the outbox (and so Kafka) untouched.</summary>
public sealed class BadInputTests(ConcertApp app) : IClassFixture<ConcertApp>
{
    public static TheoryData<string, string, string> MalformedBodies => new()
    {
        { "/reservations", """{"userId":"abc","seatId":1}""", "UserId" },
        { "/reservations", """{"userId":1,"seatId":""", "SeatId" },
        { "/reservations", """{"seatId":1}""", "UserId" },
        { "/reservations", """{"userId":0,"seatId":1}""", "UserId" },
        { "/reservations", "not json", "body" },
        { "/reservations", "", "body" },
        { "/payments", """{"reservationId":[1],"userId":1}""", "ReservationId" },
        { "/payments", """{"reservationId":1,"userId":-5}""", "UserId" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task MalformedBody_Returns400NamingTheField(string path, string body, string field)
    {
        await ExpectRejectedAsync(HttpStatusCode.BadRequest, async () =>
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            return await app.Api.PostAsync(path, content);
        }, problem => problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue($"the errors should name '{field}': {problem}"));
    }

    [Fact]
    public Task Reserve_UnknownUser_Returns404() =>
        ExpectRejectedAsync(HttpStatusCode.NotFound, () => app.ReserveAsync(userId: 404, seatId: 30));

    [Fact]
    public Task Reserve_UnknownSeat_Returns404() =>
        ExpectRejectedAsync(HttpStatusCode.NotFound, () => app.ReserveAsync(userId: 1, seatId: 4040));

    [Fact]
    public Task Pay_UnknownReservation_Returns404() =>
        ExpectRejectedAsync(HttpStatusCode.NotFound, () => app.PayAsync(reservationId: 4040, userId: 1));

    [Fact]
    public async Task Pay_UnknownUser_Returns404()
    {
        ReservationResult reservation = await ReserveAsync(userId: 1, seatId: 31);
        await ExpectRejectedAsync(HttpStatusCode.NotFound, () => app.PayAsync(reservation.ReservationId, userId: 404));
    }

    [Fact]
    public Task Seats_UnknownConcert_Returns404() =>
        ExpectRejectedAsync(HttpStatusCode.NotFound, () => app.Api.GetAsync("/concerts/404/seats"));

    [Fact]
    public async Task Reserve_HeldSeat_Returns409SeatHeld()
    {
        await ReserveAsync(userId: 1, seatId: 32);
        await ExpectRejectedAsync(HttpStatusCode.Conflict, () => app.ReserveAsync(userId: 2, seatId: 32), Reason("seat-held"));
    }

    [Fact]
    public async Task Reserve_SoldSeat_Returns409SeatSold()
    {
        ReservationResult reservation = await ReserveAsync(userId: 1, seatId: 33);
        (await app.PayAsync(reservation.ReservationId, userId: 1)).StatusCode.Should().Be(HttpStatusCode.Created);
        await ExpectRejectedAsync(HttpStatusCode.Conflict, () => app.ReserveAsync(userId: 2, seatId: 33), Reason("seat-sold"));
    }

    [Fact]
    public async Task Pay_NotEnoughPoints_Returns409InsufficientPoints()
    {
        ReservationResult reservation = await ReserveAsync(userId: 3, seatId: 34); // user 3 has 30,000 points, the seat costs 50,000
        await ExpectRejectedAsync(HttpStatusCode.Conflict, () => app.PayAsync(reservation.ReservationId, userId: 3), Reason("insufficient-points"));
        (await app.Api.GetFromJsonAsync<UserView>("/users/3", ConcertApp.Json))!.Points.Should().Be(30_000, "the failed payment rolled back");
    }

    [Fact]
    public async Task Pay_ExpiredReservation_Returns409ReservationExpired()
    {
        ReservationResult reservation = await ReserveAsync(userId: 2, seatId: 35);
        await app.RelayIdleAsync(); // move the clock only while the relay holds no lease
        app.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        try
        {
            await ExpectRejectedAsync(HttpStatusCode.Conflict, () => app.PayAsync(reservation.ReservationId, userId: 2), Reason("reservation-expired"));
        }
        finally
        {
            app.Clock.Reset();
        }
    }

    private async Task<ReservationResult> ReserveAsync(long userId, long seatId)
    {
        using HttpResponseMessage response = await app.ReserveAsync(userId, seatId);
        response.StatusCode.Should().Be(HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<ReservationResult>(ConcertApp.Json))!;
    }

    private static Action<JsonElement> Reason(string reason) =>
        problem => problem.GetProperty("reason").GetString().Should().Be(reason);

    /// <summary>Sends a bad request and checks its status, its problem details, and that no outbox row and no Kafka message came of it.</summary>
    private async Task ExpectRejectedAsync(HttpStatusCode expected, Func<Task<HttpResponseMessage>> send, Action<JsonElement>? checkProblem = null)
    {
        await app.RelayIdleAsync();
        int rowsBefore = (await app.OutboxRowsAsync()).Count;
        long messagesBefore = KafkaMessageCount();

        using HttpResponseMessage response = await send();

        response.StatusCode.Should().Be(expected);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        JsonElement problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("status").GetInt32().Should().Be((int)expected);
        checkProblem?.Invoke(problem);

        (await app.OutboxRowsAsync()).Should().HaveCount(rowsBefore, "a rejected request writes no outbox row");
        KafkaMessageCount().Should().Be(messagesBefore, "a rejected request publishes nothing");
    }

    /// <summary>How many messages the app's topics have ever taken (the sum of their end offsets).</summary>
    private long KafkaMessageCount()
    {
        using IConsumer<Ignore, Ignore> consumer = new ConsumerBuilder<Ignore, Ignore>(
            new ConsumerConfig { BootstrapServers = app.KafkaBootstrapServers, GroupId = "bad-input-tests" }).Build();
        long sum = 0;
        foreach (string topic in ConcertTopics.All)
        {
            for (int partition = 0; partition < 3; partition++)
            {
                sum += consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(5)).High.Value;
            }
        }

        return sum;
    }
}
