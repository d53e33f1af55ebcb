using Outbox.Messages;

namespace Outbox.Core.Tests.Messages;

public sealed class OutboxMessageIdTests
{
    [Fact]
    public void NewId_ManyInTheSameMillisecond_AreUniqueAndStrictlyIncreasing()
    {
        var now = new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

        Guid[] ids = Enumerable.Range(0, 10_000).Select(_ => OutboxMessageId.NewId(now)).ToArray();

        ids.Should().OnlyHaveUniqueItems();
        for (int i = 1; i < ids.Length; i++)
        {
            ids[i].CompareTo(ids[i - 1]).Should().BePositive();
            string.CompareOrdinal(ids[i].ToString(), ids[i - 1].ToString()).Should().BePositive("the text form (SQLite) must sort the same way");
        }
    }

    [Fact]
    public void NewId_IsVersion7WithTheRfcVariantAndTheTimestamp()
    {
        var now = DateTimeOffset.UtcNow.AddDays(1);

        Guid id = OutboxMessageId.NewId(now);

        id.Version.Should().Be(7);
        id.Variant.Should().BeInRange(8, 11);
        byte[] bytes = id.ToByteArray(bigEndian: true);
        long milliseconds = 0;
        for (int i = 0; i < 6; i++)
        {
            milliseconds = (milliseconds << 8) | bytes[i];
        }

        milliseconds.Should().BeGreaterThanOrEqualTo(now.ToUnixTimeMilliseconds());
    }
}
