using System.Globalization;
using Concert.Domain.Events;
using Concert.Infrastructure.Kafka;

namespace Concert.Infrastructure.Notifications;

/// <summary>The notification consumer group: tells the team's channel about every reservation and payment.</summary>
internal sealed class NotificationConsumer(
    KafkaConnection kafka,
    IServiceScopeFactory scopeFactory,
    TimeProvider clock,
    ILogger<NotificationConsumer> logger) : ConcertEventConsumer(kafka, scopeFactory, clock, logger)
{
    public const string Group = "concert-notifications";

    public override string GroupId => Group;

    protected override Task HandleAsync(ReceivedEvent received, IServiceProvider services, CancellationToken cancellationToken)
    {
        string? text = received.Event switch
        {
            ReservationSucceeded r => string.Create(CultureInfo.InvariantCulture, $"Seat {r.SeatNumber} reserved by user {r.UserId} (reservation {r.ReservationId}), held until {r.ExpiresAt:HH:mm:ss} UTC"),
            PaymentCompleted p => string.Create(CultureInfo.InvariantCulture, $"Seat {p.SeatNumber} sold to user {p.UserId}: {p.Amount:N0} points (payment {p.PaymentId})"),
            _ => null,
        };

        return text is null
            ? Task.CompletedTask
            : services.GetRequiredService<INotificationSender>().SendAsync(new Notification(text, received.MessageId), cancellationToken);
    }
}
