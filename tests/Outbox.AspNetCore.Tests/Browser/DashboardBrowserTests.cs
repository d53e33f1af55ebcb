using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Outbox.AspNetCore.Tests.Browser;

/// <summary>The dashboard in headless Chromium, on a real Kestrel host whose relay sends to the embedded Kafka cluster.</summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    /// <summary>Waits on conditions, never on elapsed time: generous, for a loaded 2-core CI machine.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task Page_DeadMessagesFromABrokerOutage_ShowsCountsAndRequeueDeliversOneToComplete()
    {
        Chromium.EnsureInstalled();
        await using DashboardApp app = await DashboardApp.StartAsync(
            relay: true,
            configureOutbox: o =>
            {
                o.MaxAttempts = 2;
                o.RetryDelay = TimeSpan.FromMilliseconds(100);
                o.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
            },
            configureKafka: k => k.SendTimeout = TimeSpan.FromMilliseconds(500),
            map: a => a.MapOutboxDashboard("/outbox", o => o.RefreshInterval = TimeSpan.FromSeconds(1)));

        // The broker is down while two messages are written: the relay gives up on them after two attempts.
        app.Kafka.SetAllBrokersDown();
        IReadOnlyList<OutboxMessage> written = await app.WriteAsync(2);
        await WaitForAsync(async () => (await app.ReadRowAsync(written[0].Id)).Status == OutboxStatus.Dead && (await app.ReadRowAsync(written[1].Id)).Status == OutboxStatus.Dead, "both messages DEAD");
        app.Kafka.SetAllBrokersUp();
        Guid requeued = written[0].Id, left = written[1].Id;

        (IPlaywright playwright, IBrowser browser) = await Chromium.LaunchAsync();
        using IPlaywright _ = playwright;
        await using IBrowser __ = browser;
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1200 } });
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        Assertions.SetDefaultExpectTimeout((float)Timeout.TotalMilliseconds);

        await page.GotoAsync(new Uri(app.BaseAddress, "outbox/").ToString());

        await Expect(page.Locator("#count-dead")).ToHaveTextAsync("2");
        await Expect(page.Locator("#count-init")).ToHaveTextAsync("0");
        await Expect(page.Locator("#count-publish")).ToHaveTextAsync("0");
        await Expect(page.Locator("#oldest-age")).ToHaveTextAsync("none");
        ILocator row = page.Locator($"#dead-table tr[data-id='{requeued}']");
        await Expect(row.Locator("td.error")).Not.ToHaveTextAsync("–"); // the relay's last error is shown
        await Expect(page.Locator($"#dead-table tr[data-id='{left}']")).ToBeVisibleAsync();

        await row.Locator("button.requeue").ClickAsync();

        await Expect(page.Locator("#message-id")).ToHaveTextAsync(requeued.ToString());
        await Expect(page.Locator("#message-status")).ToHaveTextAsync("COMPLETE");
        await Expect(page.Locator("#count-dead")).ToHaveTextAsync("1");
        await Expect(page.Locator($"#dead-table tr[data-id='{requeued}']")).ToHaveCountAsync(0);
        await Expect(page.Locator("#throughput-summary")).ToHaveTextAsync(new Regex(": 1 delivered"));
        (await app.ReadRowAsync(requeued)).Status.Should().Be(OutboxStatus.Complete, "the page showed COMPLETE from the database");
        (await app.ReadRowAsync(left)).Status.Should().Be(OutboxStatus.Dead, "only the clicked message was requeued");

        // More traffic for the chart (and the README's screenshot): 30 messages delivered now that the broker is up.
        await app.WriteAsync(30);
        await Expect(page.Locator("#throughput-summary")).ToHaveTextAsync(new Regex(": 31 delivered"));
        await Expect(page.Locator("#throughput-chart svg rect.bar").First).ToBeAttachedAsync();
        await Expect(page.Locator("#error")).ToBeHiddenAsync();
        consoleErrors.Should().BeEmpty("the page ran without script errors (a Content-Security-Policy violation is one)");

        string screenshot = Environment.GetEnvironmentVariable("OUTBOX_DASHBOARD_SCREENSHOT") is { Length: > 0 } path ? path : Path.Combine(AppContext.BaseDirectory, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"screenshot: {screenshot}");
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not reached within {Timeout.TotalSeconds} s: {what}.");
            }

            await Task.Delay(100);
        }
    }
}
