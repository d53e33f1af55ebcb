namespace Concert.Application;

internal static class ApplicationServiceCollectionExtensions
{
    public static IServiceCollection AddConcertApplication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReservationOptions>().Bind(configuration.GetSection(ReservationOptions.SectionName));
        services.AddScoped<ReservationService>();
        services.AddScoped<PaymentService>();
        services.AddScoped<ConcertQueries>();
        services.AddScoped<OutboxStatusQuery>();
        return services;
    }
}
