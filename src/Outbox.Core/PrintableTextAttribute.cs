using System.ComponentModel.DataAnnotations;

namespace Outbox;

/// <summary>
/// A string option holds no control character and no lone UTF-16 surrogate (text the databases,
/// the logs and Kafka take as it is). <see langword="null"/> passes: <see cref="RequiredAttribute"/> checks presence.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false)]
internal sealed class PrintableTextAttribute : ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is not string text || (!text.Any(char.IsControl) && OutboxText.IsWellFormed(text));
}
