using Confluent.Kafka;
using Outbox.Transport;

namespace Outbox.Kafka.Tests;

public sealed class KafkaErrorsTests
{
    [Theory]
    [InlineData(ErrorCode.MsgSizeTooLarge)]
    [InlineData(ErrorCode.RecordListTooLarge)]
    [InlineData(ErrorCode.TopicException)]
    [InlineData(ErrorCode.InvalidRecord)]
    [InlineData(ErrorCode.Local_InvalidArg)]
    public void ToResult_ErrorAboutTheMessageItself_Rejected(ErrorCode code)
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
    [InlineData(ErrorCode.TopicAuthorizationFailed)]
    [InlineData(ErrorCode.Local_UnknownTopic)]
    [InlineData(ErrorCode.Local_UnknownPartition)]
    [InlineData(ErrorCode.UnknownTopicOrPart)]
    [InlineData(ErrorCode.PolicyViolation)]
    public void ToResult_ErrorAboutTheTopicOrTheCluster_FailedForARetry(ErrorCode code)
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
