using System.Runtime.InteropServices;

namespace Outbox.Kafka.Testing;

/// <summary>
/// TCP_NODELAY for the mock brokers' sockets, which live in this process. Real Kafka brokers
/// disable Nagle's algorithm; librdkafka 2.0.2's mock broker does not, so when it answers two
/// requests of one client in a row (a batch over two partitions it leads) the second answer waits
/// for the client's delayed ACK, about 40 ms on Linux. Set on a listening socket, the option is
/// inherited by every connection it accepts, so setting it once after start is enough. Linux only
/// (it finds the sockets in <c>/proc/self/fd</c>); elsewhere the brokers keep Nagle on.
/// </summary>
internal static partial class BrokerSocketOptions
{
    private const int IpProtoTcp = 6;
    private const int TcpNoDelay = 1;
    private const int AddressFamilyInet = 2;
    private const int AddressFamilyInet6 = 10;

    /// <summary>Sets TCP_NODELAY on this process's sockets bound to <paramref name="ports"/> (none where this is not supported).</summary>
    public static void DisableNagle(IReadOnlySet<int> ports)
    {
        foreach (int fd in SocketsOn(ports))
        {
            int one = 1;
            _ = SetSockOpt(fd, IpProtoTcp, TcpNoDelay, ref one, sizeof(int)); // best effort: a socket closed meanwhile is simply gone
        }
    }

    /// <summary>Gets, for each of this process's sockets bound to <paramref name="ports"/> (listening or accepted), whether TCP_NODELAY is on.</summary>
    public static IReadOnlyList<bool> NoDelayStates(IReadOnlySet<int> ports)
    {
        var states = new List<bool>();
        foreach (int fd in SocketsOn(ports))
        {
            int value = 0;
            int length = sizeof(int);
            states.Add(GetSockOpt(fd, IpProtoTcp, TcpNoDelay, ref value, ref length) == 0 && value != 0);
        }

        return states;
    }

    /// <summary>Parses the ports of a bootstrap list such as <c>127.0.0.1:39001,127.0.0.1:39002</c>.</summary>
    public static HashSet<int> PortsOf(string bootstrapServers) =>
        bootstrapServers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(broker => int.Parse(broker[(broker.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .ToHashSet();

    private static IEnumerable<int> SocketsOn(IReadOnlySet<int> ports)
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc/self/fd"))
        {
            yield break;
        }

        foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            // getsockname tells sockets and their port apart without a stat or readlink per descriptor.
            if (int.TryParse(Path.GetFileName(entry), out int fd) && LocalPort(fd) is int port && ports.Contains(port))
            {
                yield return fd;
            }
        }
    }

    private static unsafe int? LocalPort(int fd)
    {
        byte* address = stackalloc byte[128];
        int length = 128;
        if (GetSockName(fd, address, ref length) != 0 || length < 4 || (address[0] | (address[1] << 8)) is not (AddressFamilyInet or AddressFamilyInet6))
        {
            return null;
        }

        return (address[2] << 8) | address[3]; // sin_port / sin6_port, network byte order
    }

    [LibraryImport("libc", EntryPoint = "getsockname")]
    private static unsafe partial int GetSockName(int fd, byte* address, ref int length);

    [LibraryImport("libc", EntryPoint = "getsockopt")]
    private static partial int GetSockOpt(int fd, int level, int option, ref int value, ref int length);

    [LibraryImport("libc", EntryPoint = "setsockopt")]
    private static partial int SetSockOpt(int fd, int level, int option, ref int value, int length);
}
