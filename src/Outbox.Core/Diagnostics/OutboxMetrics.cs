using System.Diagnostics.Metrics;

namespace Outbox;

/// <summary>The relay's instruments, created from the host's <see cref="IMeterFactory"/>.</summary>
internal sealed class OutboxMetrics
{
    public OutboxMetrics(IMeterFactory? meterFactory)
    {
        // Without a host (no IMeterFactory registered) the meter is still listenable by name.
        Meter meter = meterFactory?.Create(OutboxDiagnostics.MeterName) ?? new Meter(OutboxDiagnostics.MeterName);
        BatchDuration = meter.CreateHistogram<double>("outbox.relay.batch.duration", "ms", "Time of one relay pass: claim (with the previous pass's outcomes) and send.");
        Claimed = meter.CreateCounter<long>("outbox.messages.claimed", "{message}", "Messages claimed by relays.");
        Delivered = meter.CreateCounter<long>("outbox.messages.delivered", "{message}", "Messages the broker acknowledged.");
        Failed = meter.CreateCounter<long>("outbox.messages.failed", "{message}", "Sends that failed and will be retried.");
        Dead = meter.CreateCounter<long>("outbox.messages.dead", "{message}", "Messages given up on.");
        Direct = meter.CreateCounter<long>("outbox.messages.direct", "{message}", "Messages sent straight after their transaction committed, with no claim.");
    }

    public Histogram<double> BatchDuration { get; }

    public Counter<long> Claimed { get; }

    public Counter<long> Delivered { get; }

    public Counter<long> Failed { get; }

    public Counter<long> Dead { get; }

    public Counter<long> Direct { get; }
}
