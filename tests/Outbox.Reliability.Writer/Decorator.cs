using Microsoft.Extensions.DependencyInjection;

namespace Outbox.Reliability.Writer;

/// <summary>Wraps the registered implementation of a service (the library's own, internal type) in a decorator, keeping its lifetime.</summary>
internal static class Decorator
{
    public static void Replace<TService>(IServiceCollection services, Func<TService, TService> wrap)
        where TService : class
    {
        ServiceDescriptor registered = services.Last(d => d.ServiceType == typeof(TService));
        Type implementation = registered.ImplementationType
            ?? throw new InvalidOperationException($"{typeof(TService).Name} is not registered by type; cannot decorate it.");
        services.Remove(registered);
        services.Add(ServiceDescriptor.Describe(
            typeof(TService),
            sp => wrap((TService)ActivatorUtilities.CreateInstance(sp, implementation)),
            registered.Lifetime));
    }
}
