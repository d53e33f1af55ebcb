using Outbox.EntityFrameworkCore.Sql;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.Tests.Sql;

/// <summary>When a key-order claim falls back to the heads claim, which walks every key.</summary>
public sealed class ClaimWindowTests
{
    private static readonly OutboxClaim Claim = new("relay-a", 500, TimeSpan.FromMinutes(1), PreserveKeyOrder: true);

    [Theory]
    [InlineData(1_000, 0, true)] // a hot key's blocked rows fill the window
    [InlineData(1_000, 124, true)]
    [InlineData(1_000, 125, false)] // several relays' batches in flight block a share of it: the window moves on as they finish
    [InlineData(1_000, 499, false)]
    [InlineData(999, 0, false)] // the window is not full: there is nothing behind it to reach
    public void WindowWasStarved_OnlyAFullWindowThatGaveLessThanAQuarterOfTheBatch(long windowCount, int claimed, bool starved) =>
        OutboxSqlDialect.WindowWasStarved(Claim, claimed, windowCount).Should().Be(starved);

    [Fact]
    public void WindowWasStarved_NoWindowCount_NeverFallsBack() =>
        OutboxSqlDialect.WindowWasStarved(Claim, 0, null).Should().BeFalse("without key order, or with no unfinished row, there is no window");
}
