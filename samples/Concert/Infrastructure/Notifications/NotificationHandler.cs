using System.Globalization;
using Concert.Domain.Events;
using Concert.Infrastructure.Kafka;

namespace Concert.Infrastructure.Notifications;

/// <summary>The notification consumer group: tells the team's channel about every reservation and payment.</summary>
internal sealed class NotificationHandler(INotificationSender sender, ILogger<NotificationHandler> logger) : ConcertEventHandler(logger)
{
    public const string Group = "concert-notifications";

    protected override string GroupId => Group;

    protected override Task HandleAsync(ReceivedEvent received, CancellationToken cancellationToken)
    {
        string? text = received.Event switch
        {
            ReservationSucceeded r => string.Create(CultureInfo.InvariantCulture, $"Seat {r.SeatNumber} reserved by user {r.UserId} (reservation {r.ReservationId}), held until {r.ExpiresAt:HH:mm:ss} UTC"),
            PaymentCompleted p => string.Create(CultureInfo.InvariantCulture, $"Seat {p.SeatNumber} sold to user {p.UserId}: {p.Amount:N0} points (payment {p.PaymentId})"),
            _ => null,
        };

        return text is null ? Task.CompletedTask : sender.SendAsync(new Notification(text, received.MessageId), cancellationToken);
    }
}
