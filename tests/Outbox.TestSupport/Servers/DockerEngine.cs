using System.Diagnostics;
using System.Net.Http;
using System.Net.Sockets;

namespace Outbox.TestSupport.Servers;

/// <summary>
/// Whether a Docker engine answers, so the fixtures may start servers with Testcontainers. Decided
/// once per test process: <c>DOCKER_HOST</c> when set (and only it), otherwise the usual socket
/// files that exist (<c>/var/run/docker.sock</c>, the rootless and Docker Desktop paths); each is
/// asked <c>GET /_ping</c> with a 2 s timeout, so a hung engine costs at most 2 s per path. Measured
/// on a machine without Docker: this probe answers in about 2 ms; Testcontainers' own check (a
/// container's <c>Build()</c> throwing DockerUnavailableException) took 0.6 s the first time.
/// </summary>
public static class DockerEngine
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);
    private static readonly Lazy<Task<string?>> Endpoint = new(ProbeAsync);

    /// <summary>Gets whether an engine answered (the endpoint that did, or why none did, is in <see cref="DescribeAsync"/>).</summary>
    public static async Task<bool> IsAvailableAsync() => await Endpoint.Value is not null;

    /// <summary>Describes what was found, for messages.</summary>
    public static async Task<string> DescribeAsync() => await Endpoint.Value is { } endpoint
        ? $"Docker engine at {endpoint}"
        : "no Docker engine (DOCKER_HOST unset or not answering, no answering /var/run/docker.sock)";

    private static async Task<string?> ProbeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        string? answered = null;
        foreach (string endpoint in Candidates())
        {
            if (await PingAsync(endpoint))
            {
                answered = endpoint;
                break;
            }
        }

        Console.Error.WriteLine($"[servers] Docker: {(answered ?? "none")} (probed in {stopwatch.ElapsedMilliseconds} ms)");
        return answered;
    }

    private static IEnumerable<string> Candidates()
    {
        string? host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrWhiteSpace(host))
        {
            yield return host.Trim();
            yield break;
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        string?[] sockets =
        [
            "/var/run/docker.sock",
            runtime is null ? null : Path.Combine(runtime, "docker.sock"),
            Path.Combine(home, ".docker", "run", "docker.sock"),
            Path.Combine(home, ".docker", "desktop", "docker.sock"),
        ];
        foreach (string? socket in sockets)
        {
            if (socket is not null && File.Exists(socket))
            {
                yield return "unix://" + socket;
            }
        }
    }

    private static async Task<bool> PingAsync(string endpoint)
    {
        using var timeout = new CancellationTokenSource(PingTimeout);
        try
        {
            var uri = new Uri(endpoint);
            if (uri.Scheme == "unix")
            {
                using var handler = new SocketsHttpHandler
                {
                    ConnectCallback = async (_, token) =>
                    {
                        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                        try
                        {
                            await socket.ConnectAsync(new UnixDomainSocketEndPoint(uri.AbsolutePath), token);
                            return new NetworkStream(socket, ownsSocket: true);
                        }
                        catch
                        {
                            socket.Dispose();
                            throw;
                        }
                    },
                };
                using var client = new HttpClient(handler);
                return await IsPongAsync(client, new Uri("http://docker/_ping"), timeout.Token);
            }

            if (uri.Scheme is "tcp" or "http" or "https")
            {
                // With TLS (DOCKER_TLS_VERIFY) a ping needs the client certificate: a TCP connect is the answer then.
                if (uri.Scheme == "https" || Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY") is "1")
                {
                    using var tcp = new TcpClient();
                    await tcp.ConnectAsync(uri.Host, uri.Port, timeout.Token);
                    return true;
                }

                using var client = new HttpClient();
                return await IsPongAsync(client, new Uri($"http://{uri.Host}:{uri.Port}/_ping"), timeout.Token);
            }

            // npipe:// and other transports: nothing to probe from here; let Testcontainers try.
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or OperationCanceledException or UriFormatException)
        {
            return false;
        }
    }

    private static async Task<bool> IsPongAsync(HttpClient client, Uri ping, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await client.GetAsync(ping, cancellationToken);
        return response.IsSuccessStatusCode;
    }
}
