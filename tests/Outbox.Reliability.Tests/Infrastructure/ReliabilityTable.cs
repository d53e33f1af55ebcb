using System.Globalization;
using System.Text;

namespace Outbox.Reliability.Tests.Infrastructure;

/// <summary>
/// Collects every scenario's row and keeps the markdown table on disk, rewritten after each
/// scenario (so a run cut short still shows what it measured). The file is
/// <c>$OUTBOX_RELIABILITY_TABLE</c>, or <c>reliability-table.md</c> next to the test assembly;
/// <c>eng/reliability.sh</c> prints it.
/// </summary>
public static class ReliabilityTable
{
    public const string EnvironmentVariable = "OUTBOX_RELIABILITY_TABLE";

    private static readonly Lock Gate = new();
    private static readonly SortedDictionary<string, ScenarioRow> Rows = new(new ScenarioOrder());

    /// <summary>Gets the file the table is written to.</summary>
    public static string FilePath { get; } =
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path
            ? path
            : Path.Combine(AppContext.BaseDirectory, "reliability-table.md");

    /// <summary>Adds (or replaces) a scenario's row and rewrites the table file. Call it before asserting, so a failing scenario still shows its numbers.</summary>
    public static void Record(ScenarioRow row)
    {
        lock (Gate)
        {
            Rows[row.Scenario] = row;
            File.WriteAllText(FilePath, ToMarkdown(Rows.Values));
        }
    }

    /// <summary>Formats rows as a markdown table.</summary>
    public static string ToMarkdown(IEnumerable<ScenarioRow> rows)
    {
        var table = new StringBuilder()
            .AppendLine("| scenario | written | delivered | lost | duplicates | order violations | most in flight per key | drain time | also checked |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (ScenarioRow row in rows)
        {
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Scenario} | {row.Written:N0} | {row.Delivered:N0} | {row.Lost:N0} | {row.Duplicates:N0} | {(row.OrderViolations is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "—")} | {row.MaxInFlightPerKey} | {row.DrainTime.TotalSeconds:0.00} s | {row.Notes.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        return table.ToString();
    }

    /// <summary>Orders "2" before "10" and "1a" before "1b".</summary>
    private sealed class ScenarioOrder : IComparer<string>
    {
        public int Compare(string? x, string? y)
        {
            int byNumber = Number(x).CompareTo(Number(y));
            return byNumber != 0 ? byNumber : string.CompareOrdinal(x, y);
        }

        private static int Number(string? scenario)
        {
            int digits = 0;
            while (scenario is not null && digits < scenario.Length && char.IsAsciiDigit(scenario[digits]))
            {
                digits++;
            }

            return digits == 0 ? int.MaxValue : int.Parse(scenario![..digits], CultureInfo.InvariantCulture);
        }
    }
}
