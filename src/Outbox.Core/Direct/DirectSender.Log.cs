using Microsoft.Extensions.Logging;

namespace Outbox.Direct;

internal sealed partial class DirectSender
{
    // Event ids 1200-1299: direct sends (1208 retired: a failed send is the shared send step's 1005).
    private static partial class Log
    {
        [LoggerMessage(1200, LogLevel.Information, "Direct sends on: messages written here are owned by {LeaseOwner} and sent as their transaction commits")]
        public static partial void Started(ILogger logger, string leaseOwner);

        [LoggerMessage(1201, LogLevel.Information, "Direct sends off: {Reason}. Messages are sent through the relay's claims")]
        public static partial void Unsupported(ILogger logger, string reason);

        [LoggerMessage(1202, LogLevel.Warning, "Could not read the database's clock; direct sends wait for it, the relay's claims send meanwhile")]
        public static partial void ClockReadFailed(ILogger logger, Exception exception);

        [LoggerMessage(1203, LogLevel.Warning, "The direct-send store call failed for {Count} messages ({Pending} outcomes waiting, {Expired} dropped); next try in {Delay}")]
        public static partial void ClaimFailed(ILogger logger, int count, int pending, int expired, TimeSpan delay, Exception exception);

        [LoggerMessage(1204, LogLevel.Debug, "{Count} direct messages given back to INIT: an earlier message of their key is unfinished elsewhere; the claims send them in order")]
        public static partial void GivenBack(ILogger logger, int count);

        [LoggerMessage(1205, LogLevel.Warning, "{Count} direct messages committed too late in their {LeaseDuration} lease to send safely; given back to the claims")]
        public static partial void LeaseTooShort(ILogger logger, int count, TimeSpan leaseDuration);

        [LoggerMessage(1206, LogLevel.Warning, "{Count} direct messages are no longer held by {LeaseOwner} (their lease ended and a relay took them over)")]
        public static partial void TakenOver(ILogger logger, int count, string leaseOwner);

        [LoggerMessage(1207, LogLevel.Warning, "{Count} outcomes of direct sends were not recorded: {LeaseOwner} no longer holds those messages")]
        public static partial void OutcomesRefused(ILogger logger, int count, string leaseOwner);


        [LoggerMessage(1209, LogLevel.Information, "Direct sends stopped; {Count} unsent messages given back to the claims")]
        public static partial void Stopped(ILogger logger, int count);

        [LoggerMessage(1210, LogLevel.Warning, "Could not give back {Count} direct messages at stop; they are claimable when their lease ends")]
        public static partial void StopFailed(ILogger logger, int count, Exception exception);
    }
}
