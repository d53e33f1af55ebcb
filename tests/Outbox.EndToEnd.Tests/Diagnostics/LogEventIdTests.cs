using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Outbox.EndToEnd.Tests.Diagnostics;

/// <summary>An operator filters and alerts on event ids: within the library each id means one message.</summary>
public sealed class LogEventIdTests
{
    // The packages that log, all referenced here (Outbox.Core.Tests sees the core only) (the EF Core store does not; the dashboard keeps to 4000-4099).
    private static readonly string[] Packages = ["Outbox.Core", "Outbox.Kafka"];

    [Fact]
    public void EveryLoggerMessage_HasAnEventIdNoOtherMessageOfTheLibraryUses()
    {
        var owners = new Dictionary<int, string>();
        foreach (string package in Packages)
        {
            List<(int Id, string Method)> messages = LoggerMessages(Assembly.Load(package)).ToList();
            messages.Should().NotBeEmpty($"{package} logs through [LoggerMessage]");
            foreach ((int id, string method) in messages)
            {
                if (!owners.TryAdd(id, method))
                {
                    Assert.Fail($"event id {id} of {method} is already {owners[id]}'s");
                }
            }
        }
    }

    private static IEnumerable<(int Id, string Method)> LoggerMessages(Assembly assembly) =>
        from type in assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select (attribute.EventId, $"{type.FullName}.{method.Name}");
}
