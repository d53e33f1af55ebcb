namespace Outbox.Kafka;

/// <summary>Kafka's rule for topic names: 1 to 249 of <c>[a-zA-Z0-9._-]</c>, not "." or "..".</summary>
internal static class KafkaTopicName
{
    public const int MaxLength = 249;

    /// <summary>Checks a topic name; a broker rejects any other with InvalidTopic, so no send can succeed.</summary>
    /// <returns><see langword="null"/> when legal, else why not.</returns>
    public static string? Validate(string? topic)
    {
        if (string.IsNullOrEmpty(topic))
        {
            return "invalid topic: the topic name is empty";
        }

        if (topic.Length > MaxLength)
        {
            return $"invalid topic: the topic name has {topic.Length} characters, more than Kafka's {MaxLength}";
        }

        if (topic is "." or "..")
        {
            return $"invalid topic: '{topic}' is not a legal topic name";
        }

        foreach (char c in topic)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return $"invalid topic: '{topic}' contains '{c}'; Kafka topic names use only a-z, A-Z, 0-9, '.', '_' and '-'";
            }
        }

        return null;
    }
}
