using System.Collections.Concurrent;
using System.Diagnostics;
using Outbox.TestSupport;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// The writer/relay application (tests/Outbox.Reliability.Writer) as a real child process:
/// started with <c>dotnet &lt;its dll&gt; mode --key value …</c>, watched through its stdout
/// marker lines, and killed with <see cref="Process.Kill()"/> (SIGKILL on Linux): no shutdown
/// code, no finally blocks, no flush, exactly like a crash.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> lines = new();
    private readonly ConcurrentQueue<string> errors = new();
    private readonly SemaphoreSlim arrived = new(0);

    private ChildProcess(Process process, string description)
    {
        this.process = process;
        Description = description;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Enqueue(e.Data);
                arrived.Release();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                errors.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Description { get; }

    /// <summary>Gets the stdout lines so far.</summary>
    public IReadOnlyList<string> Lines => lines.ToArray();

    /// <summary>Gets the stderr lines so far (the child's logs).</summary>
    public IReadOnlyList<string> ErrorLines => errors.ToArray();

    public bool HasExited => process.HasExited;

    /// <summary>Gets the path of the child application's dll, built next to this test project's output (same configuration).</summary>
    public static string WriterDll
    {
        get
        {
            string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            string dll = Path.Combine(RepositoryPaths.Root, "tests", "Outbox.Reliability.Writer", "bin", configuration, "net10.0", "Outbox.Reliability.Writer.dll");
            return File.Exists(dll)
                ? dll
                : throw new FileNotFoundException($"The child application was not built: {dll}. Build tests/Outbox.Reliability.Tests (it builds the writer too).", dll);
        }
    }

    /// <summary>Starts the child application in <paramref name="mode"/> with <c>--key value</c> arguments.</summary>
    public static ChildProcess Start(string mode, params (string Key, string Value)[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // the child exits when this closes: it never outlives the test process
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WriterDll);
        start.ArgumentList.Add(mode);
        foreach ((string key, string value) in arguments)
        {
            start.ArgumentList.Add("--" + key);
            start.ArgumentList.Add(value);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        return new ChildProcess(process, mode);
    }

    /// <summary>Waits until a stdout line starts with <paramref name="prefix"/>; returns it.</summary>
    /// <exception cref="TimeoutException">No such line in time, or the child exited; the message carries its output.</exception>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string? line = lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || (process.HasExited && !await arrived.WaitAsync(200)))
            {
                throw new TimeoutException(
                    $"{Description}: no line starting with '{prefix}' within {timeout} (exited: {process.HasExited}).\nstdout tail:\n{string.Join('\n', Lines.TakeLast(10))}\nstderr tail:\n{string.Join('\n', ErrorLines.TakeLast(20))}");
            }

            await arrived.WaitAsync(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Gets the ids on the stdout lines that start with <paramref name="prefix"/> (<c>PREFIX &lt;guid&gt;</c>).</summary>
    public List<Guid> IdsOn(string prefix) =>
        Lines.Where(l => l.StartsWith(prefix + " ", StringComparison.Ordinal)).Select(l => Guid.Parse(l[(prefix.Length + 1)..])).ToList();

    /// <summary>Waits until the process exits by itself and its output is read; returns its exit code.</summary>
    /// <exception cref="TimeoutException">It did not exit in time; the message carries its output.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token); // also waits for the end of stdout and stderr
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException(
                $"{Description}: did not exit within {timeout}.\nstdout tail:\n{string.Join('\n', Lines.TakeLast(10))}\nstderr tail:\n{string.Join('\n', ErrorLines.TakeLast(20))}");
        }

        return process.ExitCode;
    }

    /// <summary>Kills the process with SIGKILL and waits until it is gone.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: false);
        }

        process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
        arrived.Dispose();
    }
}
