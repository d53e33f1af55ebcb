using System.Runtime.InteropServices;

namespace Outbox.Benchmarks.Infrastructure;

/// <summary>
/// Sets TCP_NODELAY on the mock brokers' sockets (they live in this process), as a real
/// Kafka broker does (<c>socket.nagle.disable</c> is a client setting; librdkafka 2.0.2's mock
/// broker leaves Nagle on). With Nagle on, a broker answering several produce requests in a row
/// holds the second answer until the client's delayed ACK (about 40 ms on Linux), so any batch
/// that spans two partitions of one broker waits about 40 ms: a test-environment artifact, not a
/// cost of the outbox. Set on the listening sockets, it is inherited by every connection they
/// accept; a background loop checks for any socket without it: every 20 ms for a few seconds
/// after <see cref="ScanSoon"/> or a change, every 500 ms otherwise (the scan costs CPU).
/// </summary>
internal sealed partial class MockBrokerNoDelay : IAsyncDisposable
{
    private const int IpProtoTcp = 6;
    private const int TcpNoDelay = 1;
    private readonly HashSet<int> ports;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private readonly Task loop;
    private long fastUntil = Environment.TickCount64 + 3000;

    public MockBrokerNoDelay(string bootstrapServers)
    {
        ports = bootstrapServers.Split(',').Select(b => int.Parse(b[(b.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        loop = Task.Run(LoopAsync);
    }

    /// <summary>Gets how many broker-side sockets (listening or accepted) got TCP_NODELAY so far.</summary>
    public int Applied { get; private set; }

    /// <summary>Scans every 20 ms for the next few seconds (call it when clients are about to connect); otherwise every 500 ms.</summary>
    public void ScanSoon() => Volatile.Write(ref fastUntil, Environment.TickCount64 + 3000);

    public void ApplyNow()
    {
        lock (gate)
        {
            foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                // Names only (no stat, no readlink): getsockname tells sockets and their port apart cheaply.
                if (!int.TryParse(Path.GetFileName(entry), out int fd) || LocalPort(fd) is not int port || !ports.Contains(port))
                {
                    continue;
                }

                if (NoDelay(fd))
                {
                    continue;
                }

                // Asked of the socket itself, not remembered by fd: a closed connection's fd is
                // reused by the next one within one scan interval when relay hosts restart.
                // Set on the listening sockets first, it is inherited by every accepted one.
                int one = 1;
                if (SetSockOpt(fd, IpProtoTcp, TcpNoDelay, ref one, sizeof(int)) == 0)
                {
                    Applied++;
                    ScanSoon(); // more sockets usually follow
                }
            }
        }
    }

    private async Task LoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                ApplyNow();
                await Task.Delay(Environment.TickCount64 < Volatile.Read(ref fastUntil) ? 20 : 500, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"[bench] TCP_NODELAY loop: {ex.Message}");
                await Task.Delay(1000);
            }
        }
    }

    private static unsafe int? LocalPort(int fd)
    {
        byte* address = stackalloc byte[128];
        int length = 128;
        if (GetSockName(fd, address, ref length) != 0 || length < 4 || (address[0] | (address[1] << 8)) is not (2 or 10))
        {
            return null; // not an IPv4/IPv6 socket
        }

        return (address[2] << 8) | address[3];
    }

    [LibraryImport("libc", EntryPoint = "getsockname")]
    private static unsafe partial int GetSockName(int fd, byte* address, ref int length);

    private static bool NoDelay(int fd)
    {
        int value = 0;
        int length = sizeof(int);
        return GetSockOpt(fd, IpProtoTcp, TcpNoDelay, ref value, ref length) == 0 && value != 0;
    }

    [LibraryImport("libc", EntryPoint = "getsockopt")]
    private static partial int GetSockOpt(int fd, int level, int option, ref int value, ref int length);

    [LibraryImport("libc", EntryPoint = "setsockopt")]
    private static partial int SetSockOpt(int fd, int level, int option, ref int value, int length);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }
}
