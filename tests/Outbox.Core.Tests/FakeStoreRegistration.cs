using Microsoft.Extensions.DependencyInjection;
using Outbox.Storage;

namespace Outbox.Core.Tests;

/// <summary>Registers a test's store under every store contract, as a store's own registration does (tests that build a container without AddOutbox).</summary>
internal static class FakeStoreRegistration
{
    public static IServiceCollection AddOutboxStoreContracts(this IServiceCollection services, IOutboxStore store)
    {
        services.AddSingleton(store);
        services.AddSingleton<IOutboxRelayStore>(store);
        services.AddSingleton<IOutboxAdminStore>(store);
        services.AddSingleton<IOutboxCleanupStore>(store);
        services.AddSingleton<IOutboxConfirmationStore>(store);
        if (store is IOutboxDirectSendStore direct)
        {
            services.AddSingleton(direct);
        }

        return services;
    }
}
