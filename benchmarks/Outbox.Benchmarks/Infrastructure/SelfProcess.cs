using System.Diagnostics;

namespace Outbox.Benchmarks.Infrastructure;

/// <summary>Starts this benchmark executable again as a child process in one of its child modes.</summary>
internal static class SelfProcess
{
    /// <summary>
    /// The start info for this executable with <paramref name="arguments"/>, run under
    /// <paramref name="wrapper"/> (a profiler command line, say) when one is given.
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, IReadOnlyList<string>? wrapper = null)
    {
        string self = Environment.ProcessPath!;
        wrapper ??= [];
        var start = new ProcessStartInfo(wrapper.Count > 0 ? wrapper[0] : self);
        if (wrapper.Count > 0)
        {
            foreach (string arg in wrapper.Skip(1).Append(self))
            {
                start.ArgumentList.Add(arg);
            }
        }

        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        }

        foreach (string arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}
