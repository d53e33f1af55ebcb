using Microsoft.Extensions.Options;

namespace Outbox;

/// <summary>Checks <see cref="OutboxHealthCheckOptions"/>; the host fails at start with what to fix.</summary>
internal sealed class OutboxHealthCheckOptionsValidator : IValidateOptions<OutboxHealthCheckOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxHealthCheckOptions options)
    {
        var failures = new List<string>();
        string prefix = string.IsNullOrEmpty(name) ? "OutboxHealthCheckOptions" : $"OutboxHealthCheckOptions ('{name}')";
        if (options.MaxRelayFailureDuration < TimeSpan.FromSeconds(1) || options.MaxRelayFailureDuration > TimeSpan.FromDays(1))
        {
            failures.Add($"{prefix}.MaxRelayFailureDuration is {options.MaxRelayFailureDuration}. Set 1 second to 1 day (the default is 1 minute).");
        }

        if (options.MaxOldestUnfinishedAge < TimeSpan.FromSeconds(1) || options.MaxOldestUnfinishedAge > TimeSpan.FromDays(30))
        {
            failures.Add($"{prefix}.MaxOldestUnfinishedAge is {options.MaxOldestUnfinishedAge}. Set 1 second to 30 days (the default is 5 minutes).");
        }

        if (options.MaxDeadMessages < 0)
        {
            failures.Add($"{prefix}.MaxDeadMessages is {options.MaxDeadMessages}. Set 0 (any DEAD message degrades the check, the default) or more.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
