using System.Diagnostics;
using System.Text;

namespace Outbox.Install.Tests;

/// <summary>Runs a README step in bash (<c>set -euo pipefail</c>: a failing line fails the step).</summary>
internal static class Shell
{
    public static async Task<string> RunAsync(string script, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        var output = new StringBuilder();
        Task stdout = CopyAsync(process.StandardOutput, output);
        Task stderr = CopyAsync(process.StandardError, output);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The step did not finish within {timeout}:\n{script}\n{output}");
        }

        await Task.WhenAll(stdout, stderr);
        return process.ExitCode == 0
            ? output.ToString()
            : throw new InvalidOperationException($"The step failed with exit code {process.ExitCode}:\n{script}\n--- output ---\n{output}");
    }

    private static async Task CopyAsync(StreamReader reader, StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
