namespace Outbox.EntityFrameworkCore.Inbox;

/// <summary>One row of the inbox table: <see cref="Consumer"/> handled the message <see cref="MessageId"/> at <see cref="ReceivedAt"/>.</summary>
internal sealed class InboxRecord
{
    public string Consumer { get; set; } = string.Empty;

    public Guid MessageId { get; set; }

    /// <summary>Gets or sets when it was handled (UTC, the consumer's clock): the clean-up deletes by it.</summary>
    public DateTime ReceivedAt { get; set; }
}
