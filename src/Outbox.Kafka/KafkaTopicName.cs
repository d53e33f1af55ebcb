using Outbox.Transport;

namespace Outbox.Kafka;

/// <summary>Kafka's rule for topic names: 1 to 249 of <c>[a-zA-Z0-9._-]</c>, not "." or "..".</summary>
internal static class KafkaTopicName
{
    public const int MaxLength = 249;

    /// <summary>
    /// Checks a topic name; a broker rejects any other with InvalidTopic, so no send can succeed.
    /// The transport declares it as <see cref="OutboxTransportLimits.ValidateTopic"/>, so the outbox
    /// refuses such a topic where it is staged, and checks it again when it sends.
    /// </summary>
    /// <returns><see langword="null"/> when legal, else why not and what a legal name is.</returns>
    public static string? Validate(string? topic)
    {
        if (string.IsNullOrEmpty(topic))
        {
            return "the topic name is empty. Pass the name of the topic to publish to.";
        }

        if (topic.Length > MaxLength)
        {
            return $"the topic name has {topic.Length} characters, more than Kafka's {MaxLength}. Use a shorter name.";
        }

        if (topic is "." or "..")
        {
            return $"'{topic}' is not a legal Kafka topic name. Use 1 to {MaxLength} characters of a-z, A-Z, 0-9, '.', '_' and '-'.";
        }

        foreach (char c in topic)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return $"the name contains '{c}', which Kafka does not allow. Use only a-z, A-Z, 0-9, '.', '_' and '-'.";
            }
        }

        return null;
    }
}
