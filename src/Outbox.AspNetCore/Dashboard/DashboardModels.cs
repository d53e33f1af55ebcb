namespace Outbox.AspNetCore.Dashboard;

// The JSON the page reads (camelCase, through DashboardJsonContext): shapes of the dashboard's own
// endpoints, independent of the application's JSON options.

/// <summary>GET api/summary.</summary>
internal sealed record SummaryResponse(long Init, long Publish, long Dead, double? OldestUnfinishedAgeSeconds, DateTimeOffset ReadAt);

/// <summary>One row of GET api/dead.</summary>
internal sealed record DeadMessageItem(Guid Id, string Topic, string? Key, string? Type, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, string? LastError);

/// <summary>GET api/dead.</summary>
internal sealed record DeadResponse(int Limit, IReadOnlyList<DeadMessageItem> Messages);

/// <summary>The payload part of GET api/messages/{id}: the first bytes, as text when they are UTF-8, else base64.</summary>
internal sealed record PayloadPreview(int Length, int PreviewLength, bool Truncated, string Encoding, string Preview);

/// <summary>GET api/messages/{id}.</summary>
internal sealed record MessageResponse(
    Guid Id,
    string Topic,
    string? Key,
    string? Type,
    string Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset? PublishedAt,
    DateTimeOffset? CompletedAt,
    string? LastError,
    IReadOnlyDictionary<string, string> Headers,
    PayloadPreview Payload);

/// <summary>One bar of GET api/throughput.</summary>
internal sealed record ThroughputBar(DateTimeOffset Start, long Delivered, long Failed, long Dead);

/// <summary>GET api/throughput.</summary>
internal sealed record ThroughputResponse(double IntervalSeconds, string Source, IReadOnlyList<ThroughputBar> Intervals);

/// <summary>GET api/antiforgery: the token the page sends back in <see cref="HeaderName"/> with each POST.</summary>
internal sealed record AntiforgeryResponse(string HeaderName, string Token);

/// <summary>The body of POST api/requeue.</summary>
internal sealed record RequeueRequest(IReadOnlyList<Guid>? Ids);

/// <summary>The answer of POST api/requeue.</summary>
internal sealed record RequeueResponse(int Requested, int Requeued);
