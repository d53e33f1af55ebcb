using Microsoft.Extensions.Options;

namespace Outbox.Kafka;

/// <summary>Checks each <see cref="OutboxKafkaOptions"/> option against its data annotations; the code is generated. <see cref="OutboxKafkaOptionsValidator"/> runs it.</summary>
[OptionsValidator]
internal sealed partial class OutboxKafkaOptionsFieldValidator : IValidateOptions<OutboxKafkaOptions>;
