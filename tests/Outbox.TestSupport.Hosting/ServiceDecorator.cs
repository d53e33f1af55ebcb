using Microsoft.Extensions.DependencyInjection;

namespace Outbox.TestSupport.Hosting;

/// <summary>Wraps the registered implementation of a service (the library's own, internal type) in a decorator, keeping its lifetime.</summary>
public static class ServiceDecorator
{
    public static void Decorate<TService>(IServiceCollection services, Func<TService, TService> wrap)
        where TService : class
    {
        ServiceDescriptor registered = services.Last(d => d.ServiceType == typeof(TService));
        Func<IServiceProvider, TService> create = registered switch
        {
            { ImplementationType: { } type } => sp => (TService)ActivatorUtilities.CreateInstance(sp, type),
            { ImplementationFactory: { } factory } => sp => (TService)factory(sp),
            { ImplementationInstance: TService instance } => _ => instance,
            _ => throw new InvalidOperationException($"{typeof(TService).Name} is registered in a way this decorator cannot wrap."),
        };
        services.Remove(registered);
        services.Add(ServiceDescriptor.Describe(typeof(TService), sp => wrap(create(sp)), registered.Lifetime));
    }
}
