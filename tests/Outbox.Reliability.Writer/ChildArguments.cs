namespace Outbox.Reliability.Writer;

/// <summary>Parses <c>--key value</c> pairs.</summary>
internal static class ChildArguments
{
    public static Dictionary<string, string> Parse(ReadOnlySpan<string> args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Expected --key before '{args[i]}'.", nameof(args));
            }

            result[args[i][2..]] = args[i + 1];
        }

        return result;
    }
}
