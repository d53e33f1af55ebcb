using Microsoft.EntityFrameworkCore;
using Outbox.EntityFrameworkCore.Interception;
using Outbox.EntityFrameworkCore.Model;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Storage;

/// <summary><see cref="IOutbox"/> on a DbContext: staged messages are added to the context and saved by its next <c>SaveChanges</c>.</summary>
internal sealed class EntityFrameworkOutbox<TContext>(TContext context, OutboxMessageFactory factory) : IOutbox
    where TContext : DbContext
{
    public OutboxStagedMessage Add<TPayload>(string topic, string? key, TPayload payload, IReadOnlyDictionary<string, string>? headers = null) =>
        Stage(factory.Create(ValidateTopic(topic), ValidateKey(key), payload, headers));

    public OutboxStagedMessage AddRaw(string topic, string? key, byte[] payload, string? type = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        if (type is { Length: > OutboxMessageEntityConfiguration.MaxTypeLength })
        {
            throw new ArgumentException($"The type name is {type.Length} characters; the outbox table holds at most {OutboxMessageEntityConfiguration.MaxTypeLength}. Use a shorter name.", nameof(type));
        }

        return Stage(factory.CreateRaw(ValidateTopic(topic), ValidateKey(key), payload, type, headers));
    }

    private static string ValidateTopic(string topic) =>
        topic is { Length: > OutboxMessageEntityConfiguration.MaxTopicLength }
            ? throw new ArgumentException($"The topic is {topic.Length} characters; the outbox table holds at most {OutboxMessageEntityConfiguration.MaxTopicLength}. Use a shorter name.", nameof(topic))
            : topic;

    private static string? ValidateKey(string? key) =>
        key is { Length: > OutboxMessageEntityConfiguration.MaxKeyLength }
            ? throw new ArgumentException($"The key is {key.Length} characters; the outbox table holds at most {OutboxMessageEntityConfiguration.MaxKeyLength}. Use a shorter key (for example an id or a hash).", nameof(key))
            : key;

    private OutboxStagedMessage Stage(OutboxMessage message)
    {
        if (context.Model.FindEntityType(typeof(OutboxMessage)) is null)
        {
            throw OutboxModelMissingException.For(context.GetType());
        }

        context.Set<OutboxMessage>().Add(message);
        OutboxStagingTracker.Stage(context, message);
        return new OutboxStagedMessage(message.Id, message.Topic, message.Key, message.Type);
    }
}
