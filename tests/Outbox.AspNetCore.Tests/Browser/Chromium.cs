using Microsoft.Playwright;

namespace Outbox.AspNetCore.Tests.Browser;

/// <summary>
/// Debian's Chromium (eng/setup.sh installs it), driven by Playwright for .NET through its
/// executable path: Playwright's own browser download is never used. Where no Chromium is
/// installed the browser tests skip with the reason, except in CI (CI=true), where they fail:
/// CI's setup installs it, so a missing browser there is a broken setup, not a reason to skip.
/// </summary>
internal static class Chromium
{
    /// <summary>The flags this machine's Chromium needs headless as root, and without its background traffic (refused by a closed network).</summary>
    private static readonly string[] Flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    /// <summary>Where Chromium is looked for: Debian's package first, then Google Chrome (GitHub's Ubuntu runners have it).</summary>
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

    /// <summary>Gets the browser to drive: <c>OUTBOX_TEST_CHROMIUM</c> when set, else the first of <see cref="Candidates"/> installed.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("OUTBOX_TEST_CHROMIUM") is { Length: > 0 } path
        ? path
        : Candidates.FirstOrDefault(File.Exists) ?? Candidates[0];

    /// <summary>Skips (or, in CI, fails) when there is no Chromium to drive.</summary>
    public static void EnsureInstalled()
    {
        if (File.Exists(ExecutablePath))
        {
            return;
        }

        string reason = $"No Chromium at {ExecutablePath}: install Debian's chromium (bash eng/setup.sh, or apt-get install chromium) or set OUTBOX_TEST_CHROMIUM to a Chromium executable.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(reason + " CI installs it with eng/setup.sh, so the browser test does not skip there.");
        }

        Skip.If(true, reason);
    }

    /// <summary>Starts Playwright's driver and a headless Chromium with a fresh profile.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        IPlaywright playwright = await Playwright.CreateAsync();
        try
        {
            IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Flags,
                Timeout = 60_000, // a loaded 2-core machine starts Chromium slowly
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
