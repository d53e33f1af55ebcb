using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Outbox;

/// <summary>
/// <see cref="RangeAttribute"/> whose <see cref="ValidationAttribute.ErrorMessage"/> is kept, with
/// limits parsed in the invariant culture. The options-validation source generator replaces a
/// plain <c>[Range]</c> by a copy that drops the custom message (dotnet/runtime#123137); it keeps
/// a derived attribute as it is, so the messages still say what to set and what the default is.
/// The message may show the value given as <c>{3}</c> (<c>{0}</c> is the option, <c>{1}</c> and
/// <c>{2}</c> the limits).
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class OptionRangeAttribute : RangeAttribute
{
    public OptionRangeAttribute(int minimum, int maximum)
        : base(minimum, maximum)
    {
    }

    public OptionRangeAttribute(double minimum, double maximum)
        : base(minimum, maximum)
    {
    }

    /// <summary>A range of <paramref name="type"/> (here <see cref="TimeSpan"/>), its limits written invariantly (<c>00:00:01</c>, <c>1.00:00:00</c>).</summary>
    public OptionRangeAttribute([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] Type type, string minimum, string maximum)
        : base(type, minimum, maximum)
    {
        ParseLimitsInInvariantCulture = true;
        ConvertValueInInvariantCulture = true;
    }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        return IsValid(value)
            ? ValidationResult.Success
            : new ValidationResult(
                string.Format(CultureInfo.InvariantCulture, ErrorMessageString, validationContext.DisplayName, Minimum, Maximum, value),
                validationContext.MemberName is { } member ? [member] : null);
    }
}
