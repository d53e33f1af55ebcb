using Outbox.PostgreSql.Staging;

namespace Outbox.EndToEnd.Tests.LogTailing;

/// <summary>The frame a message is written into the log as, and read back from: every field survives, and what is not a frame is refused, not misread.</summary>
public sealed class LogMessageFrameTests
{
    [Fact]
    public void Encode_ThenDecode_GivesTheSameMessage()
    {
        var message = new OutboxMessage { Id = Guid.CreateVersion7(), Topic = "orders", Key = "ключ-1", Type = "OrderPlaced", Headers = "{\"traceparent\":\"00-x\"}", Payload = [0, 1, 2, 255] };

        OutboxMessage decoded = LogMessageFrame.TryDecode(LogMessageFrame.Encode(message))!;

        decoded.Should().BeEquivalentTo(message, o => o.Including(m => m.Id).Including(m => m.Topic).Including(m => m.Key).Including(m => m.Type).Including(m => m.Headers).Including(m => m.Payload));
    }

    [Fact]
    public void Encode_KeepsNullsApartFromEmptyStrings()
    {
        var message = new OutboxMessage { Id = Guid.NewGuid(), Topic = "t", Key = string.Empty, Type = null, Headers = null, Payload = [] };

        OutboxMessage decoded = LogMessageFrame.TryDecode(LogMessageFrame.Encode(message))!;

        decoded.Key.Should().BeEmpty();
        decoded.Type.Should().BeNull();
        decoded.Headers.Should().BeNull();
        decoded.Payload.Should().BeEmpty();
    }

    [Fact]
    public void TryDecode_RefusesWhatIsNotAFrame()
    {
        byte[] frame = LogMessageFrame.Encode(new OutboxMessage { Id = Guid.NewGuid(), Topic = "t", Payload = [1, 2, 3] });

        LogMessageFrame.TryDecode(frame.AsSpan(0, frame.Length - 1)).Should().BeNull("truncated");
        LogMessageFrame.TryDecode([.. frame, 0]).Should().BeNull("trailing bytes");
        byte[] otherVersion = [.. frame];
        otherVersion[0] = 2;
        LogMessageFrame.TryDecode(otherVersion).Should().BeNull("another version");
        LogMessageFrame.TryDecode([]).Should().BeNull("empty");
    }
}
