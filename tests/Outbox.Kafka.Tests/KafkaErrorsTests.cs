using Confluent.Kafka;

namespace Outbox.Kafka.Tests;

public sealed class KafkaErrorsTests
{
    [Theory]
    [InlineData(ErrorCode.MsgSizeTooLarge)]
    [InlineData(ErrorCode.RecordListTooLarge)]
    [InlineData(ErrorCode.TopicException)]
    [InlineData(ErrorCode.TopicAuthorizationFailed)]
    [InlineData(ErrorCode.InvalidRecord)]
    [InlineData(ErrorCode.Local_InvalidArg)]
    [InlineData(ErrorCode.Local_UnknownTopic)]
    public void ToResult_ErrorNoRetryCanFix_Rejected(ErrorCode code)
    {
        OutboxSendResult result = KafkaErrors.ToResult(new Error(code));

        result.Status.Should().Be(OutboxSendStatus.Rejected);
        result.Error.Should().StartWith(code.ToString());
    }

    [Theory]
    [InlineData(ErrorCode.Local_MsgTimedOut)]
    [InlineData(ErrorCode.NotLeaderForPartition)]
    [InlineData(ErrorCode.Local_AllBrokersDown)]
    [InlineData(ErrorCode.NotEnoughReplicas)]
    [InlineData(ErrorCode.Local_Fatal)]
    [InlineData(ErrorCode.RequestTimedOut)]
    public void ToResult_TransientError_Failed(ErrorCode code)
    {
        KafkaErrors.ToResult(new Error(code)).Status.Should().Be(OutboxSendStatus.Failed);
    }

    [Fact]
    public void ToResult_ReportWithoutErrorPersisted_Delivered()
    {
        var report = new DeliveryReport<string?, byte[]> { Error = new Error(ErrorCode.NoError), Status = PersistenceStatus.Persisted };

        KafkaErrors.ToResult(report).Should().Be(OutboxSendResult.Delivered);
    }

    [Fact]
    public void ToResult_ReportPossiblyPersistedWithError_Failed()
    {
        var report = new DeliveryReport<string?, byte[]> { Error = new Error(ErrorCode.Local_MsgTimedOut), Status = PersistenceStatus.PossiblyPersisted };

        KafkaErrors.ToResult(report).Status.Should().Be(OutboxSendStatus.Failed);
    }
}
