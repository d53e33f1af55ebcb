using System.Diagnostics.Metrics;
using Outbox.Diagnostics;

namespace Outbox.AspNetCore.Throughput;

/// <summary>
/// The throughput chart's figures: a ring of fixed-width intervals fed by a
/// <see cref="MeterListener"/> on the relay's own counters (<c>outbox.messages.delivered</c>,
/// <c>outbox.messages.failed</c>, <c>outbox.messages.dead</c> on the <c>Outbox.Core</c> meter). It
/// costs no database query and works with any retention (with zero retention no COMPLETE row is
/// left to count), but it sees only the relays in this process: with several instances, each
/// dashboard shows its own instance's throughput. Only the meter created by this host's
/// <see cref="IMeterFactory"/> is listened to, so two hosts in one process (tests) do not mix.
/// </summary>
internal sealed class ThroughputRecorder : IDisposable
{
    internal const string DeliveredInstrument = "outbox.messages.delivered";
    internal const string FailedInstrument = "outbox.messages.failed";
    internal const string DeadInstrument = "outbox.messages.dead";

    private readonly Lock gate = new();
    private readonly TimeProvider timeProvider;
    private readonly long intervalTicks;
    private readonly Slot[] slots;
    private readonly MeterListener listener;

    /// <param name="meterScope">The host's <see cref="IMeterFactory"/> (the scope of the meter the relay's counters are on), or <see langword="null"/> when the host has none.</param>
    /// <param name="timeProvider">The clock the intervals are counted on.</param>
    /// <param name="interval">The width of one interval.</param>
    /// <param name="count">How many intervals are kept.</param>
    public ThroughputRecorder(object? meterScope, TimeProvider timeProvider, TimeSpan interval, int count)
    {
        this.timeProvider = timeProvider;
        intervalTicks = interval.Ticks;
        slots = new Slot[count];
        Array.Fill(slots, new Slot(long.MinValue, 0, 0, 0));
        listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == OutboxDiagnostics.MeterName && ReferenceEquals(instrument.Meter.Scope, meterScope) && KindOf(instrument.Name) is { } kind)
                {
                    l.EnableMeasurementEvents(instrument, kind);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, state) => Add((Kind)state!, value));
        listener.Start();
    }

    /// <summary>What a measurement counts.</summary>
    internal enum Kind
    {
        Delivered,
        Failed,
        Dead,
    }

    /// <summary>Gets the width of one interval.</summary>
    public TimeSpan Interval => TimeSpan.FromTicks(intervalTicks);

    /// <summary>Adds measurements to the current interval (the listener calls it; tests too).</summary>
    public void Add(Kind kind, long value)
    {
        long index = CurrentIndex();
        lock (gate)
        {
            ref Slot slot = ref slots[(int)(index % slots.Length)];
            if (slot.Index != index)
            {
                slot = new Slot(index, 0, 0, 0);
            }

            slot = kind switch
            {
                Kind.Delivered => slot with { Delivered = slot.Delivered + value },
                Kind.Failed => slot with { Failed = slot.Failed + value },
                _ => slot with { Dead = slot.Dead + value },
            };
        }
    }

    /// <summary>Gets every kept interval, oldest first, the current (still filling) one last; intervals with no measurement count zero.</summary>
    public IReadOnlyList<ThroughputInterval> Snapshot()
    {
        long current = CurrentIndex();
        var result = new ThroughputInterval[slots.Length];
        lock (gate)
        {
            for (int i = 0; i < slots.Length; i++)
            {
                long index = current - slots.Length + 1 + i;
                Slot slot = index >= 0 ? slots[(int)(index % slots.Length)] : default;
                var start = new DateTimeOffset(index * intervalTicks, TimeSpan.Zero);
                result[i] = slot.Index == index && index >= 0
                    ? new ThroughputInterval(start, slot.Delivered, slot.Failed, slot.Dead)
                    : new ThroughputInterval(start, 0, 0, 0);
            }
        }

        return result;
    }

    public void Dispose() => listener.Dispose();

    private static Kind? KindOf(string instrument) => instrument switch
    {
        DeliveredInstrument => Kind.Delivered,
        FailedInstrument => Kind.Failed,
        DeadInstrument => Kind.Dead,
        _ => null,
    };

    private long CurrentIndex() => timeProvider.GetUtcNow().UtcTicks / intervalTicks;

    private record struct Slot(long Index, long Delivered, long Failed, long Dead);
}
