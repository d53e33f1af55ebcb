using System.Net;
using Concert.Domain.Events;

namespace Outbox.Samples.Tests.Concert;

public abstract class ConcurrentReservationTests
{
    private readonly ConcertApp app;

    protected ConcurrentReservationTests(ConcertApp app)
    {
        app.SkipUnlessRunning();
        this.app = app;
    }

    [SkippableFact]
    public async Task TwoConcurrentReservationsOfOneSeat_ExactlyOneSucceeds_AndOneEventIsPublished()
    {
        long[] seatIds = [10, 11, 12, 13, 14]; // several races, so a lucky ordering cannot hide a broken one
        HttpResponseMessage[][] races = await Task.WhenAll(seatIds.Select(seatId =>
            Task.WhenAll(app.ReserveAsync(userId: 1, seatId), app.ReserveAsync(userId: 2, seatId))));

        foreach (HttpResponseMessage[] race in races)
        {
            race.Count(r => r.IsSuccessStatusCode).Should().Be(1);
            race.Single(r => !r.IsSuccessStatusCode).StatusCode.Should().Be(HttpStatusCode.Conflict);
        }

        await app.RelayIdleAsync();
        List<OutboxMessage> rows = await app.OutboxRowsAsync();
        foreach (long seatId in seatIds)
        {
            rows.Count(r => r.Key == $"seat-{seatId}" && r.Type == nameof(ReservationSucceeded)).Should().Be(1, $"seat {seatId} was reserved once");
        }

        await Eventually.HoldsAsync(
            () => app.DataPlatform.Deliveries.Count(d => d.Event is ReservationSucceeded r && seatIds.Contains(r.SeatId)) >= seatIds.Length,
            ConcertApp.Timeout,
            "the data platform received the winning reservations");
        app.DataPlatform.Deliveries.Select(d => d.Event).OfType<ReservationSucceeded>().Where(r => seatIds.Contains(r.SeatId))
            .Should().HaveCount(seatIds.Length).And.OnlyHaveUniqueItems(r => r.SeatId);

        foreach (HttpResponseMessage response in races.SelectMany(r => r))
        {
            response.Dispose();
        }
    }
}

public sealed class ConcurrentReservationTestsOnSqlite(ConcertApp app) : ConcurrentReservationTests(app), IClassFixture<ConcertApp>;

public sealed class ConcurrentReservationTestsOnPostgreSql(PostgreSqlConcertApp app) : ConcurrentReservationTests(app), IClassFixture<PostgreSqlConcertApp>;

public sealed class ConcurrentReservationTestsOnSqlServer(SqlServerConcertApp app) : ConcurrentReservationTests(app), IClassFixture<SqlServerConcertApp>;
