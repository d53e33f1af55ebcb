using System.Diagnostics.Metrics;

namespace Outbox.Diagnostics;

/// <summary>A message counter that tags every measurement with the relay's name (and the topic, where the caller knows it).</summary>
internal sealed class RelayCounter(Counter<long> counter, string relayName)
{
    public void Add(long delta)
    {
        if (delta != 0)
        {
            counter.Add(delta, new KeyValuePair<string, object?>(OutboxTelemetryNames.RelayName, relayName));
        }
    }

    public void Add(long delta, string topic)
    {
        if (delta != 0)
        {
            counter.Add(delta, new KeyValuePair<string, object?>(OutboxTelemetryNames.RelayName, relayName), new KeyValuePair<string, object?>(OutboxTelemetryNames.DestinationName, topic));
        }
    }
}
