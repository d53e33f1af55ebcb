using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Outbox.Storage;

namespace Outbox.Direct;

/// <summary>
/// The hand-over between the application's writes and the relay's direct sender: leases for new
/// messages while the sender runs and keeps up, and the committed messages, in commit order.
/// </summary>
internal sealed class DirectSendQueue(IOptions<OutboxOptions> options, TimeProvider timeProvider, DatabaseClock clock) : IOutboxDirectSend
{
    private readonly Channel<OwnedMessages> channel = Channel.CreateUnbounded<OwnedMessages>(new UnboundedChannelOptions { SingleReader = true });
    private string? owner;
    private int queued;
    private long pausedUntil;

    // Read on use, not in the constructor: validating the options builds the application's
    // DbContext, whose interceptors need this queue.
    private OutboxOptions Settings => options.Value;

    /// <summary>Gets the most messages waiting before new ones are written for the claims instead (the sender is behind: say, a slow broker).</summary>
    public int Capacity => 4 * Settings.BatchSize;

    /// <summary>Gets the committed messages, for the sender.</summary>
    public ChannelReader<OwnedMessages> Reader => channel.Reader;

    public OutboxOwnership? TryOwn()
    {
        string? current = Volatile.Read(ref owner);
        if (current is null || Volatile.Read(ref queued) >= Capacity || timeProvider.GetTimestamp() < Interlocked.Read(ref pausedUntil)
            || !clock.TryNow(out DateTimeOffset now, out long timestamp, out TimeSpan uncertainty))
        {
            return null;
        }

        return new OutboxOwnership(current, now + Settings.LeaseDuration, timestamp, uncertainty);
    }

    public void Committed(OutboxOwnership ownership, IReadOnlyList<OutboxMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(ownership);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count > 0 && channel.Writer.TryWrite(new OwnedMessages(ownership, messages)))
        {
            Interlocked.Add(ref queued, messages.Count);
        }

        // Not written (the sender stopped): the messages wait for their lease, then the claims take them.
    }

    /// <summary>The sender took <paramref name="count"/> messages.</summary>
    public void Taken(int count) => Interlocked.Add(ref queued, -count);

    /// <summary>Starts giving leases, under <paramref name="leaseOwner"/>.</summary>
    public void Open(string leaseOwner) => Volatile.Write(ref owner, leaseOwner);

    /// <summary>Stops giving leases; messages committed after this wait for their lease.</summary>
    public void Close()
    {
        Volatile.Write(ref owner, null);
        channel.Writer.TryComplete();
    }

    /// <summary>Gives no leases for <paramref name="duration"/> (sends are failing: the claims' backoff handles the messages meanwhile).</summary>
    public void Pause(TimeSpan duration) => Interlocked.Exchange(ref pausedUntil, timeProvider.GetTimestamp() + (long)(duration.TotalSeconds * timeProvider.TimestampFrequency));
}
