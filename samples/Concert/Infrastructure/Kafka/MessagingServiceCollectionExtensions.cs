using Concert.Infrastructure.DataPlatform;
using Concert.Infrastructure.Notifications;
using Microsoft.Extensions.Options;

namespace Concert.Infrastructure.Kafka;

internal static class MessagingServiceCollectionExtensions
{
    /// <summary>Registers the Kafka settings, the two consumer groups and what they call; the <see cref="KafkaConnection"/> they use comes from the composition root.</summary>
    public static IServiceCollection AddConcertMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KafkaOptions>().Bind(configuration.GetSection(KafkaOptions.SectionName));

        services.AddSingleton<IDataPlatformClient, LoggingDataPlatformClient>();
        services.AddHostedService<DataPlatformConsumer>();

        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.SectionName));
        services.AddHttpClient<SlackNotificationSender>();
        services.AddSingleton<LoggingNotificationSender>();
        services.AddScoped<INotificationSender>(provider =>
            provider.GetRequiredService<IOptions<NotificationOptions>>().Value.SlackWebhook is null
                ? provider.GetRequiredService<LoggingNotificationSender>()
                : provider.GetRequiredService<SlackNotificationSender>());
        services.AddHostedService<NotificationConsumer>();
        return services;
    }
}
