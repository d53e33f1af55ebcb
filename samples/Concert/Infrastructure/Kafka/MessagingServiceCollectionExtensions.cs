using Concert.Infrastructure.DataPlatform;
using Concert.Infrastructure.Notifications;
using Concert.Application;
using Microsoft.Extensions.Options;
using Outbox;

namespace Concert.Infrastructure.Kafka;

internal static class MessagingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Kafka settings and what the two consumer groups call; the groups themselves
    /// are the outbox's inbox consumers (<see cref="AddConcertConsumers"/>), and the
    /// <see cref="KafkaConnection"/> comes from the composition root.
    /// </summary>
    public static IServiceCollection AddConcertMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KafkaOptions>().Bind(configuration.GetSection(KafkaOptions.SectionName));

        services.AddSingleton<IDataPlatformClient, LoggingDataPlatformClient>();

        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.SectionName));
        services.AddHttpClient<SlackNotificationSender>();
        services.AddSingleton<LoggingNotificationSender>();
        services.AddScoped<INotificationSender>(provider =>
            provider.GetRequiredService<IOptions<NotificationOptions>>().Value.SlackWebhook is null
                ? provider.GetRequiredService<LoggingNotificationSender>()
                : provider.GetRequiredService<SlackNotificationSender>());
        return services;
    }

    /// <summary>The two consumer groups, each handling every event of the app's topics once (the inbox).</summary>
    public static IOutboxBuilder AddConcertConsumers(this IOutboxBuilder outbox) => outbox
        .AddKafkaInboxConsumer<DataPlatformHandler>(DataPlatformHandler.Group, ConcertTopics.All)
        .AddKafkaInboxConsumer<NotificationHandler>(NotificationHandler.Group, ConcertTopics.All);
}
