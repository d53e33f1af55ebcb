namespace Outbox.Kafka;

/// <summary>How long a send may still hand messages to the producer: a deadline on the monotonic clock, so wall-clock jumps do not move it.</summary>
internal readonly struct SendWindow(TimeProvider timeProvider, long started, TimeSpan length)
{
    public bool IsOpen => timeProvider.GetElapsedTime(started) <= length;
}
