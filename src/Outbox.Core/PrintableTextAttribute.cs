using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Outbox.Messages;

namespace Outbox;

/// <summary>
/// A string option of at most <see cref="MaxLength"/> characters with no control character and no
/// lone UTF-16 surrogate (text the databases, the logs and Kafka take as it is).
/// <see langword="null"/> passes: <see cref="RequiredAttribute"/> checks presence. The message may
/// show the option (<c>{0}</c>), the longest length (<c>{1}</c>), the length given (<c>{2}</c>) and
/// " with a control character" when there is one (<c>{3}</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class PrintableTextAttribute(int maxLength) : ValidationAttribute
{
    /// <summary>Gets the most characters the text may have.</summary>
    public int MaxLength { get; } = maxLength;

    public override bool IsValid(object? value) =>
        value is not string text || (text.Length <= MaxLength && !text.Any(char.IsControl) && OutboxText.IsWellFormed(text));

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        if (IsValid(value))
        {
            return ValidationResult.Success;
        }

        string text = (string)value!;
        string control = text.Any(char.IsControl) ? " with a control character" : string.Empty;
        return new ValidationResult(
            string.Format(CultureInfo.InvariantCulture, ErrorMessageString, validationContext.DisplayName, MaxLength, text.Length, control),
            validationContext.MemberName is { } member ? [member] : null);
    }
}
