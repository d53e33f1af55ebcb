using System.Globalization;
using System.Text;

namespace Outbox.Benchmarks.Infrastructure;

/// <summary>Collects the tables of a run and the delivery checks; prints markdown.</summary>
internal sealed class Report
{
    private readonly List<(string Title, string[] Header, List<string[]> Rows, List<string> Notes)> tables = [];
    private readonly List<string> failures = [];

    public IReadOnlyList<string> Failures => failures;

    public Table Add(string title, params string[] header)
    {
        var rows = new List<string[]>();
        var notes = new List<string>();
        tables.Add((title, header, rows, notes));
        return new Table(rows, notes);
    }

    /// <summary>Records a delivery check; a failed one makes the run exit 1.</summary>
    public void Check(bool ok, string what)
    {
        if (!ok)
        {
            failures.Add(what);
            Console.Error.WriteLine($"[bench] DELIVERY CHECK FAILED: {what}");
        }
    }

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        foreach ((string title, string[] header, List<string[]> rows, List<string> notes) in tables)
        {
            if (rows.Count == 0)
            {
                continue;
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"### {title}").AppendLine();
            sb.AppendLine("| " + string.Join(" | ", header) + " |");
            sb.AppendLine("|" + string.Concat(header.Select(_ => "---|")));
            foreach (string[] row in rows)
            {
                sb.AppendLine("| " + string.Join(" | ", row) + " |");
            }

            foreach (string note in notes)
            {
                sb.AppendLine().AppendLine(note);
            }

            sb.AppendLine();
        }

        sb.AppendLine(failures.Count == 0
            ? "Delivery check: every message of every scenario was delivered."
            : $"Delivery check FAILED: {string.Join("; ", failures)}");
        return sb.ToString();
    }

    internal sealed class Table(List<string[]> rows, List<string> notes)
    {
        public void Row(params string[] cells)
        {
            rows.Add(cells);
            Console.Error.WriteLine("[bench] " + string.Join(" | ", cells));
        }

        public void Note(string note) => notes.Add(note);
    }
}

internal static class Fmt
{
    public static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);

    public static string Ms(double ms) => ms < 10 ? ms.ToString("0.00", CultureInfo.InvariantCulture) : ms.ToString("0.0", CultureInfo.InvariantCulture);

    public static string Pct(double ratio) => (ratio * 100).ToString("0", CultureInfo.InvariantCulture) + " %";

    public static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture);

    public static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Holds(bool holds) => holds ? "yes" : "**no**";

    public static double Median(IEnumerable<double> values)
    {
        double[] v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
