using Microsoft.Extensions.Logging;

namespace Outbox.Relay;

internal sealed partial class OutboxRelayService
{
    // Event ids 1100-1199: the hosted relay.
    private static partial class Log
    {
        [LoggerMessage(1100, LogLevel.Information, "Outbox relay {RelayName} started (polling every {PollingInterval})")]
        public static partial void Started(ILogger logger, string relayName, TimeSpan pollingInterval);

        [LoggerMessage(1101, LogLevel.Error, "Outbox relay pass failed ({Failures} in a row); next try in {Delay}")]
        public static partial void PassFailed(ILogger logger, int failures, TimeSpan delay, Exception exception);

        [LoggerMessage(1102, LogLevel.Information, "Outbox relay recovered after {Failures} failed passes")]
        public static partial void Recovered(ILogger logger, int failures);

        [LoggerMessage(1103, LogLevel.Information, "Outbox relay {RelayName} stopped")]
        public static partial void Stopped(ILogger logger, string relayName);

        [LoggerMessage(1104, LogLevel.Warning, "Outbox relay could not record {Count} send outcomes while stopping; those messages are sent again after their lease")]
        public static partial void RecordOnStopFailed(ILogger logger, int count, Exception exception);
    }
}
