using System.ComponentModel.DataAnnotations;

namespace Concert.Endpoints;

/// <summary>The body of <c>POST /reservations</c>.</summary>
// Public: the minimal API validation generator (AddValidation) only picks up public types.
public sealed record ReserveSeatRequest(
    [Required, Range(1, long.MaxValue, ErrorMessage = "{0} must be a positive id.")] long? UserId,
    [Required, Range(1, long.MaxValue, ErrorMessage = "{0} must be a positive id.")] long? SeatId);
