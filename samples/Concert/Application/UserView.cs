namespace Concert.Application;

/// <summary>A user and the points they have left.</summary>
internal sealed record UserView(long UserId, string Name, long Points);
