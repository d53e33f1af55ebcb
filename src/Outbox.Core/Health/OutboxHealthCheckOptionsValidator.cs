using Microsoft.Extensions.Options;

namespace Outbox.Health;

/// <summary>
/// Checks <see cref="OutboxHealthCheckOptions"/> against its data annotations (the generated
/// <see cref="OutboxHealthCheckOptionsFieldValidator"/>), naming the check in each message:
/// <c>OutboxHealthCheckOptions ('outbox').MaxDeadMessages</c>. The host fails at start with what to fix.
/// </summary>
internal sealed class OutboxHealthCheckOptionsValidator : IValidateOptions<OutboxHealthCheckOptions>
{
    private readonly OutboxHealthCheckOptionsFieldValidator _fields = new();

    public ValidateOptionsResult Validate(string? name, OutboxHealthCheckOptions options) =>

        // The generated validator prefixes each member with the name it is given (the options'
        // name, or the type's for the default name): give it the one the messages should show.
        _fields.Validate(string.IsNullOrEmpty(name) ? nameof(OutboxHealthCheckOptions) : $"{nameof(OutboxHealthCheckOptions)} ('{name}')", options);
}
