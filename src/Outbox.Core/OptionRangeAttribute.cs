using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace Outbox;

/// <summary>
/// <see cref="RangeAttribute"/> whose <see cref="ValidationAttribute.ErrorMessage"/> is kept, with
/// limits parsed in the invariant culture. The options-validation source generator replaces a
/// plain <c>[Range]</c> by a copy that drops the custom message (dotnet/runtime#123137); it keeps
/// a derived attribute as it is, so the messages still say what to set and what the default is.
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
}
