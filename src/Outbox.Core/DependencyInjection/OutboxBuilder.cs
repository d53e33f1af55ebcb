using Microsoft.Extensions.DependencyInjection;

namespace Outbox.DependencyInjection;

internal sealed class OutboxBuilder(IServiceCollection services) : IOutboxBuilder
{
    public IServiceCollection Services { get; } = services;
}
