using Concert.Domain;

namespace Concert.Application;

/// <summary>A seat as a customer sees it now (an expired hold shows as available).</summary>
internal sealed record SeatView(long SeatId, string Number, long Price, SeatStatus Status);
