using Microsoft.Extensions.Logging;
using Outbox.Diagnostics;
using Outbox.Relay;
using Outbox.Transport;

namespace Outbox.Core.Tests.Relay;

/// <summary>What an operator reads during a broker outage: one line per failed batch, not one per message, and a line when sends recover.</summary>
public sealed class SendOutcomesTests
{
    private readonly RecordingLogger logger = new();
    private readonly SendOutcomes outcomes;

    public SendOutcomesTests() => outcomes = new SendOutcomes(new OutboxOptions(), new OutboxMetrics(null), logger);

    [Fact]
    public void For_BatchOfFailedSends_OneWarningWithTheCountAndTheFirstErrorAndEachMessageAtDebug()
    {
        OutboxMessage[] batch = Messages(3);

        outcomes.For("relay-a", batch, [OutboxSendResult.Failed("Local_MsgTimedOut"), OutboxSendResult.Failed("Local_AllBrokersDown"), OutboxSendResult.Delivered], stopping: false);

        LogLine warning = logger.Lines.Should().ContainSingle(l => l.Level >= LogLevel.Warning).Which;
        warning.EventId.Should().Be(1015);
        warning.Message.Should().StartWith("2 of 3 outbox sends failed").And.Contain("topic orders").And.Contain("attempt 1").And.EndWith(": Local_MsgTimedOut");
        logger.Lines.Count(l => l.EventId == 1002 && l.Level == LogLevel.Debug).Should().Be(2, "each message's retry is a detail");
    }

    [Fact]
    public void For_DeliveredAfterFailedBatches_OneInformationLineSayingSendsRecovered()
    {
        outcomes.For("relay-a", Messages(2), [OutboxSendResult.Failed("down"), OutboxSendResult.Failed("down")], stopping: false);
        outcomes.For("relay-a", Messages(1), [OutboxSendResult.Failed("down")], stopping: false);

        outcomes.For("relay-a", Messages(2), [OutboxSendResult.Delivered, OutboxSendResult.Delivered], stopping: false);
        outcomes.For("relay-a", Messages(1), [OutboxSendResult.Delivered], stopping: false);

        logger.Lines.Count(l => l.EventId == 1015).Should().Be(2);
        LogLine recovered = logger.Lines.Should().ContainSingle(l => l.EventId == 1016).Which;
        recovered.Level.Should().Be(LogLevel.Information);
        recovered.Message.Should().Be("Outbox sends recovered: 2 messages delivered after 3 failed sends");
    }

    [Fact]
    public void For_AllDelivered_NoLineAboveDebug()
    {
        outcomes.For("relay-a", Messages(3), [OutboxSendResult.Delivered, OutboxSendResult.Delivered, OutboxSendResult.Delivered], stopping: false);

        logger.Lines.Should().NotBeEmpty().And.OnlyContain(l => l.Level == LogLevel.Debug);
    }

    private static OutboxMessage[] Messages(int count) =>
        Enumerable.Range(0, count).Select(_ => new OutboxMessage { Id = Guid.CreateVersion7(), Topic = "orders", Payload = [1], Status = OutboxStatus.Publish }).ToArray();

    private sealed record LogLine(LogLevel Level, int EventId, string Message);

    private sealed class RecordingLogger : ILogger
    {
        private readonly List<LogLine> lines = [];

        public IReadOnlyList<LogLine> Lines
        {
            get
            {
                lock (lines)
                {
                    return [.. lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add(new LogLine(logLevel, eventId.Id, formatter(state, exception)));
            }
        }
    }
}
