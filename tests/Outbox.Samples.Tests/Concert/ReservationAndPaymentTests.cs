using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Concert.Application;
using Concert.Domain;
using Concert.Domain.Events;
using Concert.Infrastructure.DataPlatform;
using Concert.Infrastructure.Notifications;
using Confluent.Kafka;

namespace Outbox.Samples.Tests.Concert;

public abstract class ReservationAndPaymentTests
{
    private readonly ConcertApp app;

    protected ReservationAndPaymentTests(ConcertApp app)
    {
        app.SkipUnlessRunning();
        this.app = app;
    }

    [SkippableFact]
    public async Task ReserveThenPay_BothConsumerGroupsGetEachEventOnce_AndOutboxRowsComplete()
    {
        using HttpResponseMessage reserved = await app.ReserveAsync(userId: 1, seatId: 1);
        reserved.StatusCode.Should().Be(HttpStatusCode.Created);
        ReservationResult reservation = (await reserved.Content.ReadFromJsonAsync<ReservationResult>(ConcertApp.Json))!;

        using HttpResponseMessage paid = await app.PayAsync(reservation.ReservationId, userId: 1);
        paid.StatusCode.Should().Be(HttpStatusCode.Created);
        PaymentResult payment = (await paid.Content.ReadFromJsonAsync<PaymentResult>(ConcertApp.Json))!;
        Guid[] eventIds = [reservation.EventId, payment.EventId];

        await Eventually.HoldsAsync(
            () => eventIds.All(id => app.DataPlatform.Deliveries.Any(d => d.MessageId == id) && app.Notifications.Sent.Any(n => n.SourceMessageId == id)),
            ConcertApp.Timeout,
            "both consumer groups handled ReservationSucceeded and PaymentCompleted");

        List<OutboxMessage> rows = (await app.OutboxRowsAsync()).Where(r => eventIds.Contains(r.Id)).ToList();
        rows.Select(r => r.Type).Should().BeEquivalentTo([nameof(ReservationSucceeded), nameof(PaymentCompleted)]);
        rows.Should().OnlyContain(r => r.Status == OutboxStatus.Complete, "the broker acknowledged both messages");
        foreach (Guid id in eventIds)
        {
            app.DataPlatform.Deliveries.Count(d => d.MessageId == id).Should().Be(1);
            app.Notifications.Sent.Count(n => n.SourceMessageId == id).Should().Be(1);
        }

        app.DataPlatform.Deliveries.Single(d => d.MessageId == payment.EventId).Event.Should().BeOfType<PaymentCompleted>()
            .Which.Should().Match<PaymentCompleted>(p => p.PaymentId == payment.PaymentId && p.Amount == 80_000 && p.SeatNumber == "A-01");

        UserView user = (await app.Api.GetFromJsonAsync<UserView>("/users/1", ConcertApp.Json))!;
        user.Points.Should().Be(200_000 - 80_000);
        List<SeatView> seats = (await app.Api.GetFromJsonAsync<List<SeatView>>("/concerts/1/seats", ConcertApp.Json))!;
        seats.Should().HaveCount(50);
        seats.Single(s => s.SeatId == 1).Status.Should().Be(SeatStatus.Sold);
    }

    [SkippableFact]
    public async Task RedeliveredMessage_IsDroppedByBothConsumerGroups()
    {
        using HttpResponseMessage reserved = await app.ReserveAsync(userId: 2, seatId: 2);
        reserved.StatusCode.Should().Be(HttpStatusCode.Created);
        Guid eventId = (await reserved.Content.ReadFromJsonAsync<ReservationResult>(ConcertApp.Json))!.EventId;
        await Eventually.HoldsAsync(() => HandledByBoth(eventId), ConcertApp.Timeout, "both groups handled the reservation");
        OutboxMessage original = (await app.OutboxRowsAsync()).Single(r => r.Id == eventId);

        // Kafka redelivers (or a relay resends after a lost ack): the same message id again, then a
        // new message on the same key, so the same partition, so read after the duplicate.
        var marker = new ReservationSucceeded(999, 2, 1, 2, "A-02", DateTimeOffset.UtcNow);
        Guid markerId = Guid.NewGuid();
        using (IProducer<string, byte[]> producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = app.KafkaBootstrapServers }).Build())
        {
            await producer.ProduceAsync(original.Topic, Copy(original.Key!, original.Payload, original.Id));
            await producer.ProduceAsync(original.Topic, Copy(original.Key!, JsonSerializer.SerializeToUtf8Bytes(marker, ConcertApp.Json), markerId));
        }

        await Eventually.HoldsAsync(() => HandledByBoth(markerId), ConcertApp.Timeout, "both groups handled the marker sent after the duplicate");
        app.DataPlatform.Deliveries.Count(d => d.MessageId == eventId).Should().Be(1, "the data platform group drops the duplicate");
        app.Notifications.Sent.Count(n => n.SourceMessageId == eventId).Should().Be(1, "the notification group drops the duplicate");
    }

    private bool HandledByBoth(Guid messageId) =>
        app.DataPlatform.Deliveries.Any(d => d.MessageId == messageId) && app.Notifications.Sent.Any(n => n.SourceMessageId == messageId);

    private static Message<string, byte[]> Copy(string key, byte[] payload, Guid messageId) => new()
    {
        Key = key,
        Value = payload,
        Headers = new Headers
        {
            { OutboxHeaderNames.MessageId, Encoding.UTF8.GetBytes(messageId.ToString()) },
            { OutboxHeaderNames.MessageType, Encoding.UTF8.GetBytes(nameof(ReservationSucceeded)) },
        },
    };
}

public sealed class ReservationAndPaymentTestsOnSqlite(ConcertApp app) : ReservationAndPaymentTests(app), IClassFixture<ConcertApp>;

public sealed class ReservationAndPaymentTestsOnPostgreSql(PostgreSqlConcertApp app) : ReservationAndPaymentTests(app), IClassFixture<PostgreSqlConcertApp>;

public sealed class ReservationAndPaymentTestsOnSqlServer(SqlServerConcertApp app) : ReservationAndPaymentTests(app), IClassFixture<SqlServerConcertApp>;
