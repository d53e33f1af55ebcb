namespace Outbox.EntityFrameworkCore.Model;

/// <summary>The widths of the outbox table's text columns, checked before a message is staged (by EF Core or ADO.NET), so a row the table cannot hold fails at the call.</summary>
internal static class OutboxColumnLimits
{
    public static string Topic(string topic) =>
        topic is { Length: > OutboxMessageEntityConfiguration.MaxTopicLength }
            ? throw new ArgumentException($"The topic is {topic.Length} characters; the outbox table holds at most {OutboxMessageEntityConfiguration.MaxTopicLength}. Use a shorter name.", nameof(topic))
            : topic;

    public static string? Key(string? key) =>
        key is { Length: > OutboxMessageEntityConfiguration.MaxKeyLength }
            ? throw new ArgumentException($"The key is {key.Length} characters; the outbox table holds at most {OutboxMessageEntityConfiguration.MaxKeyLength}. Use a shorter key (for example an id or a hash).", nameof(key))
            : key;

    public static string? Type(string? type) =>
        type is { Length: > OutboxMessageEntityConfiguration.MaxTypeLength }
            ? throw new ArgumentException($"The type name is {type.Length} characters; the outbox table holds at most {OutboxMessageEntityConfiguration.MaxTypeLength}. Use a shorter name.", nameof(type))
            : type;
}
