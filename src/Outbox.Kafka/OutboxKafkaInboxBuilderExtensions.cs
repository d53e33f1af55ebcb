using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Outbox;
using Outbox.Inbox;
using Outbox.Kafka;
using Outbox.Kafka.Inbox;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds hosted Kafka consumers that handle each message once, through the inbox.</summary>
public static class OutboxKafkaInboxBuilderExtensions
{
    /// <summary>
    /// Runs a consumer group that hands every record of <paramref name="topics"/> to
    /// <typeparamref name="THandler"/> (registered scoped) once per <c>outbox-message-id</c>: the
    /// inbox record, the handler's changes and any outbox messages it stages commit in one
    /// transaction, and the offset is committed after it. A record without a valid id header is
    /// handled without de-duplication, logged (event 3203) and counted
    /// (<c>outbox.inbox.records</c>, <c>outbox.inbox.outcome=unidentified</c>). It connects as
    /// <c>UseKafka</c> configured (bootstrap servers, security, <see cref="OutboxKafkaOptions.Consumer"/>),
    /// reads from the earliest offset when the group has none, and needs
    /// <c>UseEntityFrameworkCore&lt;TContext&gt;()</c> with <c>modelBuilder.AddOutboxInbox()</c>.
    /// Call it once per group.
    /// </summary>
    /// <typeparam name="THandler">The handler: it makes its changes in the scope's <c>DbContext</c> and does not save them.</typeparam>
    /// <param name="builder">The outbox builder from <c>AddOutbox</c>.</param>
    /// <param name="groupId">The consumer group, also the inbox's consumer name: each group handles each message once.</param>
    /// <param name="topics">The topics to read.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="topics"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="groupId"/> is empty or too long, or <paramref name="topics"/> is empty or names a topic Kafka does not allow.</exception>
    /// <exception cref="InvalidOperationException">A consumer with the same <paramref name="groupId"/> was added before.</exception>
    public static IOutboxBuilder AddKafkaInboxConsumer<THandler>(this IOutboxBuilder builder, string groupId, params IEnumerable<string> topics)
        where THandler : class, IKafkaInboxHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        ArgumentNullException.ThrowIfNull(topics);
        if (groupId.Length > IOutboxInbox.MaxConsumerLength)
        {
            throw new ArgumentException($"The group id is {groupId.Length} characters; the inbox records at most {IOutboxInbox.MaxConsumerLength}. Use a shorter group id.", nameof(groupId));
        }

        List<string> names = [.. topics];
        if (names.Count == 0)
        {
            throw new ArgumentException("No topics were given. Pass the topics the consumer reads.", nameof(topics));
        }

        foreach (string topic in names)
        {
            if (KafkaTopicName.Validate(topic) is { } problem)
            {
                throw new ArgumentException($"Topic '{topic}': {problem}", nameof(topics));
            }
        }

        IServiceCollection services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(KafkaInboxConsumerSettings) && ((KafkaInboxConsumerSettings?)d.ImplementationInstance)?.GroupId == groupId))
        {
            throw new InvalidOperationException($"An inbox consumer for group '{groupId}' was added before. Give each consumer its own group id, or handle several topics in one handler.");
        }

        var settings = new KafkaInboxConsumerSettings(groupId, names);
        services.AddSingleton(settings);
        services.AddOptions<OutboxKafkaOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new KafkaInboxMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddScoped<THandler>();
        services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<KafkaInboxConsumer<THandler>>(sp, settings));
        return builder;
    }
}
