using System.Text.RegularExpressions;

namespace Outbox.Install.Tests;

/// <summary>
/// The steps of the README's "Use it" section: the shell block of each numbered step and the
/// Program.cs block, exactly as printed. A missing step fails the parse, naming it.
/// </summary>
internal sealed partial class ReadmeUseIt
{
    private ReadmeUseIt(string packStep, string appStep, string program, string runStep)
    {
        PackStep = packStep;
        AppStep = appStep;
        Program = program;
        RunStep = runStep;
        PackageReferences = PackageReference().Matches(appStep)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value))
            .Where(p => p.Item1.StartsWith("Outbox.", StringComparison.Ordinal))
            .ToArray();
    }

    /// <summary>Gets step 1: packing the packages into a folder.</summary>
    public string PackStep { get; }

    /// <summary>Gets step 2: the new app and its package references.</summary>
    public string AppStep { get; }

    /// <summary>Gets step 3: Program.cs.</summary>
    public string Program { get; }

    /// <summary>Gets step 4: running it.</summary>
    public string RunStep { get; }

    /// <summary>Gets the Outbox packages step 2 references, with the version it names.</summary>
    public IReadOnlyList<(string Id, string Version)> PackageReferences { get; }

    public static ReadmeUseIt Parse(string readme)
    {
        string section = Section(readme, "\n## Use it\n", "\n## ");
        return new ReadmeUseIt(
            Block(Section(section, "\n### 1.", "\n### "), "bash", "1 (get the packages)"),
            Block(Section(section, "\n### 2.", "\n### "), "bash", "2 (reference them)"),
            Block(Section(section, "\n### 3.", "\n### "), "csharp", "3 (Program.cs)"),
            Block(Section(section, "\n### 4.", "\n### "), "bash", "4 (run it)"));
    }

    /// <summary>The README's <c>~</c> is the user's home; the test gives it a fresh folder.</summary>
    public static string Substitute(string step, string home) => step.Replace("~/", home + "/", StringComparison.Ordinal);

    public string PackageFolder(string home) => Substitute(PackOutput().Match(PackStep) is { Success: true } m ? m.Groups[1].Value : throw Missing("1: dotnet pack -o <folder>"), home);

    public string AppDirectory(string home) => Substitute(NewConsole().Match(AppStep) is { Success: true } m ? m.Groups[1].Value : throw Missing("2: dotnet new console -o <folder>"), home);

    private static string Section(string text, string start, string next)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal);
        if (from < 0)
        {
            throw Missing(start.Trim());
        }

        from += start.Length;
        int to = text.IndexOf(next, from, StringComparison.Ordinal);
        return to < 0 ? text[from..] : text[from..to];
    }

    private static string Block(string section, string language, string step)
    {
        Match block = Regex.Match(section, "```" + language + "\n(.*?)```", RegexOptions.Singleline);
        return block.Success ? block.Groups[1].Value : throw Missing($"{step}: a ```{language} block");
    }

    private static InvalidOperationException Missing(string what) =>
        new($"README.md's \"Use it\" section lacks step {what}; the install test follows the steps as printed.");

    [GeneratedRegex(@"dotnet add package (\S+) --version (\S+)")]
    private static partial Regex PackageReference();

    [GeneratedRegex(@"dotnet pack .*?-o (\S+)")]
    private static partial Regex PackOutput();

    [GeneratedRegex(@"dotnet new console -o (\S+)")]
    private static partial Regex NewConsole();
}
