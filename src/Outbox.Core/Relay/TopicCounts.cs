using Outbox.Diagnostics;

namespace Outbox.Relay;

/// <summary>A batch's delivered, failed and dead counts per topic, added to the metrics once per topic (a batch has few topics).</summary>
internal sealed class TopicCounts
{
    private readonly List<(string Topic, long Delivered, long Failed, long Dead)> counts = new(1);

    public void Delivered(string topic) => Count(topic, 1, 0, 0);

    public void Failed(string topic) => Count(topic, 0, 1, 0);

    public void Dead(string topic) => Count(topic, 0, 0, 1);

    public void AddTo(OutboxMetrics metrics)
    {
        foreach ((string topic, long delivered, long failed, long dead) in counts)
        {
            metrics.Delivered.Add(delivered, topic);
            metrics.Failed.Add(failed, topic);
            metrics.Dead.Add(dead, topic);
        }
    }

    private void Count(string topic, long delivered, long failed, long dead)
    {
        for (int i = 0; i < counts.Count; i++)
        {
            if (counts[i].Topic == topic)
            {
                (string t, long d, long f, long x) = counts[i];
                counts[i] = (t, d + delivered, f + failed, x + dead);
                return;
            }
        }

        counts.Add((topic, delivered, failed, dead));
    }
}
