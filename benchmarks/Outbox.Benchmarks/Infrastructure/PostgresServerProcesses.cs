using System.Globalization;
using System.Net;
using Npgsql;

namespace Outbox.Benchmarks.Infrastructure;

/// <summary>
/// The processes of the PostgreSQL server the benchmark uses, when it runs on this machine: the
/// postmaster (the first line of <c>postmaster.pid</c> in the server's data directory) and its
/// children (backends, checkpointer, WAL writer, autovacuum…), found by parent pid in /proc.
/// </summary>
internal sealed class PostgresServerProcesses
{
    private readonly int postmaster;

    private PostgresServerProcesses(int postmaster, string? unavailable)
    {
        this.postmaster = postmaster;
        Unavailable = unavailable;
    }

    /// <summary>Gets why the server's CPU cannot be read here, or <see langword="null"/> when it can.</summary>
    public string? Unavailable { get; }

    public static async Task<PostgresServerProcesses> LocateAsync(string connectionString)
    {
        string? host = new NpgsqlConnectionStringBuilder(connectionString).Host;
        bool local = string.IsNullOrEmpty(host) || host.StartsWith('/') || host == "localhost" || (IPAddress.TryParse(host, out IPAddress? ip) && IPAddress.IsLoopback(ip));
        if (!local)
        {
            return new PostgresServerProcesses(0, $"the server is not on this machine (Host={host})");
        }

        string directory;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var show = new NpgsqlCommand("SHOW data_directory", connection);
            directory = (string)(await show.ExecuteScalarAsync())!;
        }
        catch (PostgresException ex)
        {
            return new PostgresServerProcesses(0, $"SHOW data_directory failed ({ex.MessageText}): connect as a superuser");
        }

        string pidFile = Path.Combine(directory, "postmaster.pid");
        try
        {
            int pid = int.Parse(File.ReadLines(pidFile).First(), CultureInfo.InvariantCulture);
            return File.Exists($"/proc/{pid}/stat")
                ? new PostgresServerProcesses(pid, null)
                : new PostgresServerProcesses(0, $"its postmaster (pid {pid} in {pidFile}) is not visible in /proc");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return new PostgresServerProcesses(0, $"cannot read {pidFile}: {ex.Message}");
        }
    }

    /// <summary>CPU time (clock ticks, 100 per second: utime + stime) of the postmaster and its children, per pid; empty when <see cref="Unavailable"/>.</summary>
    public Dictionary<int, long> CpuTicks()
    {
        var ticks = new Dictionary<int, long>();
        if (postmaster == 0)
        {
            return ticks;
        }

        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            try
            {
                // Fields after the command name, which may contain spaces: state ppid … utime(14) stime(15).
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (pid == postmaster || int.Parse(f[1], CultureInfo.InvariantCulture) == postmaster)
                {
                    ticks[pid] = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process exited while being read.
            }
        }

        return ticks;
    }
}
