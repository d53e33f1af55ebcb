using Microsoft.EntityFrameworkCore;
using Outbox.EntityFrameworkCore.Interception;
using Outbox.EntityFrameworkCore.Model;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Storage;

/// <summary><see cref="IOutbox"/> on a DbContext: staged messages are added to the context and saved by its next <c>SaveChanges</c> (or, with a log store, handed to <see cref="IOutboxLogStaging"/>).</summary>
internal sealed class EntityFrameworkOutbox<TContext>(TContext context, OutboxMessageFactory factory, IOutboxLogStaging? log = null) : IOutbox
    where TContext : DbContext
{
    public OutboxStagedMessage Add<TPayload>(string topic, string? key, TPayload payload, IReadOnlyDictionary<string, string>? headers = null) =>
        Stage(factory.Create(OutboxColumnLimits.Topic(topic), OutboxColumnLimits.Key(key), payload, headers));

    public OutboxStagedMessage AddRaw(string topic, string? key, byte[] payload, string? type = null, IReadOnlyDictionary<string, string>? headers = null) =>
        Stage(factory.CreateRaw(OutboxColumnLimits.Topic(topic), OutboxColumnLimits.Key(key), payload, OutboxColumnLimits.Type(type), headers));

    private OutboxStagedMessage Stage(OutboxMessage message)
    {
        if (context.Model.FindEntityType(typeof(OutboxMessage)) is null)
        {
            throw OutboxModelMissingException.For(context.GetType());
        }

        if (log is not null)
        {
            log.Stage(context, message);
        }
        else
        {
            context.Set<OutboxMessage>().Add(message);
            OutboxStagingTracker.Stage(context, message);
        }

        return new OutboxStagedMessage(message.Id, message.Topic, message.Key, message.Type);
    }
}
