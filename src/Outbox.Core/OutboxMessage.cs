using System.Text.Json;
using Outbox.Messages;
using Outbox.Storage;

namespace Outbox;

/// <summary>
/// One event waiting in the outbox table: written in the application's transaction, relayed to
/// the broker afterwards. Create instances through <see cref="IOutbox"/> or
/// <see cref="OutboxMessageFactory"/>, which validate the input.
/// </summary>
public sealed class OutboxMessage
{
    /// <summary>The longest <see cref="LastError"/> stored; longer errors are cut.</summary>
    public const int MaxLastErrorLength = 2000;

    /// <summary>Gets or sets the message id (a UUID version 7), sent to the broker as a header so consumers can drop duplicates. It identifies the message; its order comes from the database (a position assigned at insert), not from this id.</summary>
    public Guid Id { get; set; }

    /// <summary>Gets or sets the destination topic.</summary>
    public string Topic { get; set; } = string.Empty;

    /// <summary>Gets or sets the partitioning key; messages with the same key keep their order. <see langword="null"/> for no key.</summary>
    public string? Key { get; set; }

    /// <summary>Gets or sets the event type name consumers dispatch on, or <see langword="null"/>.</summary>
    public string? Type { get; set; }

    /// <summary>Gets or sets the payload bytes (UTF-8 JSON for typed payloads).</summary>
    public byte[] Payload { get; set; } = [];

    /// <summary>Gets or sets extra headers as a JSON object of strings (including the W3C <c>traceparent</c> captured when the message was written), or <see langword="null"/>.</summary>
    public string? Headers { get; set; }

    /// <summary>Gets or sets the status.</summary>
    public OutboxStatus Status { get; set; }

    /// <summary>Gets or sets how many sends have failed so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Gets or sets when the message was written, on the database's clock (set by the database when the row is inserted).</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Gets or sets the earliest time a relay may (re)try the message, on the database's clock.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>Gets or sets when a relay first claimed the message for sending, or <see langword="null"/> while it never was. A message claimed before goes ahead of the never-claimed messages of its key.</summary>
    public DateTimeOffset? PublishedAt { get; set; }

    /// <summary>Gets or sets when the message reached a final status (the broker confirmed it, or it became <see cref="OutboxStatus.Dead"/>), or <see langword="null"/>.</summary>
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Gets or sets the last send error (truncated), or <see langword="null"/>.</summary>
    public string? LastError { get; set; }

    /// <summary>Gets or sets the relay instance that holds the claim, or <see langword="null"/>.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>Gets or sets when the claim expires and another relay may take the message, or <see langword="null"/>.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>Reads <see cref="Headers"/> into a dictionary.</summary>
    /// <returns>The headers; empty when there are none.</returns>
    public IReadOnlyDictionary<string, string> ReadHeaders() =>
        Headers is null
            ? EmptyHeaders
            : JsonSerializer.Deserialize(Headers, OutboxJsonContext.Default.DictionaryStringString) ?? EmptyHeaders;

    private static readonly Dictionary<string, string> EmptyHeaders = new(0);
}
