using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Outbox.Benchmarks.Scenarios.Peers;

/// <summary>The application host every peer system starts from: no configuration sources, warnings and errors on stderr.</summary>
internal static class PeerHost
{
    public static HostApplicationBuilder CreateBuilder()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddFilter((category, level) => level >= LogLevel.Warning && category?.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) != true);
        return builder;
    }
}
