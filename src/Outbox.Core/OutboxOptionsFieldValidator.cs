using Microsoft.Extensions.Options;

namespace Outbox;

/// <summary>
/// Checks each <see cref="OutboxOptions"/> option against its own data annotations; the code is
/// generated (Microsoft.Extensions.Options' options-validation source generator). The rules
/// across options are <see cref="OutboxOptionsValidator"/>'s.
/// </summary>
[OptionsValidator]
internal sealed partial class OutboxOptionsFieldValidator : IValidateOptions<OutboxOptions>;
