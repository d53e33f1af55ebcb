namespace Outbox;

/// <summary>Returned by <c>AddOutbox</c>; store and transport packages add their <c>Use…</c> extensions to it.</summary>
public interface IOutboxBuilder
{
    /// <summary>Gets the service collection the outbox is registered in.</summary>
    Microsoft.Extensions.DependencyInjection.IServiceCollection Services { get; }
}
