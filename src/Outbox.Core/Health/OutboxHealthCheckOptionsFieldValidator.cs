using Microsoft.Extensions.Options;

namespace Outbox.Health;

/// <summary>Checks each <see cref="OutboxHealthCheckOptions"/> option against its data annotations; the code is generated.</summary>
[OptionsValidator]
internal sealed partial class OutboxHealthCheckOptionsFieldValidator : IValidateOptions<OutboxHealthCheckOptions>;
