namespace Outbox.Relay;

/// <summary>
/// This process's relay instance: its name in lease owners (the relay name and a 12-digit random
/// id, so two processes with one relay name never share a lease) and the count of its claims.
/// </summary>
internal sealed class RelayInstance(string relayName)
{
    /// <summary>What a relay keeps of its lease for itself: recording the outcome, and clocks that run at slightly different rates.</summary>
    public static readonly TimeSpan SendMargin = TimeSpan.FromSeconds(1);

    private long claims;

    /// <summary>Gets the instance's name: <c>{relay name}/{12 hex digits}</c>.</summary>
    public string Name { get; } = $"{relayName}/{Guid.NewGuid():N}"[..(relayName.Length + 13)];

    /// <summary>Gets the owner direct sends write this process's messages under.</summary>
    public string DirectOwner => Name + "/direct";

    /// <summary>The owner of the next claim: the instance's name and the claim's number.</summary>
    public string NextClaimOwner() => $"{Name}/{Interlocked.Increment(ref claims)}";
}
