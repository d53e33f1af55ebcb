namespace Concert.Infrastructure.DataPlatform;

/// <summary>One record handed to the data platform: which event, under which outbox message id.</summary>
internal sealed record DataPlatformDelivery(Guid MessageId, object Event);
