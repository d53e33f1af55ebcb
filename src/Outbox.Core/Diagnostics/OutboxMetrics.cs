using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Outbox.Diagnostics;

/// <summary>The relay's instruments, created from the host's <see cref="IMeterFactory"/>, every measurement tagged with the relay's name.</summary>
internal sealed class OutboxMetrics
{
    /// <param name="meterFactory">The host's meter factory, or <see langword="null"/>.</param>
    /// <param name="options">The outbox options (the relay name tag); <see langword="null"/> tags with the default relay name (tests).</param>
    public OutboxMetrics(IMeterFactory? meterFactory, IOptions<OutboxOptions>? options = null)
    {
        // Without a host (no IMeterFactory registered) the meter is still listenable by name.
        Meter = meterFactory?.Create(OutboxDiagnostics.MeterName) ?? new Meter(OutboxDiagnostics.MeterName);
        string relay = (options?.Value ?? new OutboxOptions()).RelayName;
        BatchDuration = new RelayPassDuration(
            Meter.CreateHistogram(
                OutboxTelemetryNames.RelayPassDuration,
                "s",
                "Time of one relay pass: claim (with the previous pass's outcomes) and send.",
                tags: null,
                new InstrumentAdvice<double> { HistogramBucketBoundaries = OutboxTelemetryNames.DurationBuckets }),
            relay);
        Claimed = new RelayCounter(Meter.CreateCounter<long>("outbox.messages.claimed", "{message}", "Messages claimed by relays."), relay);
        Delivered = new RelayCounter(Meter.CreateCounter<long>("outbox.messages.delivered", "{message}", "Messages the broker acknowledged."), relay);
        Failed = new RelayCounter(Meter.CreateCounter<long>("outbox.messages.failed", "{message}", "Sends that failed and will be retried."), relay);
        Dead = new RelayCounter(Meter.CreateCounter<long>("outbox.messages.dead", "{message}", "Messages given up on."), relay);
        Direct = new RelayCounter(Meter.CreateCounter<long>("outbox.messages.direct", "{message}", "Messages sent straight after their transaction committed, with no claim."), relay);
    }

    /// <summary>Gets the meter, for the instruments created elsewhere (the backlog gauges).</summary>
    public Meter Meter { get; }

    public RelayPassDuration BatchDuration { get; }

    public RelayCounter Claimed { get; }

    public RelayCounter Delivered { get; }

    public RelayCounter Failed { get; }

    public RelayCounter Dead { get; }

    public RelayCounter Direct { get; }
}
