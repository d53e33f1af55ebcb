using Concert.Domain;
using Concert.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Concert.Application;

/// <summary>Read-only views for the API: shows, a show's seats as a customer sees them now, a user's balance.</summary>
internal sealed class ConcertQueries(ConcertDbContext db, TimeProvider clock)
{
    public async Task<IReadOnlyList<ShowView>> ListShowsAsync(CancellationToken cancellationToken)
    {
        List<Show> shows = await db.Shows.AsNoTracking().OrderBy(s => s.Id).ToListAsync(cancellationToken);
        return shows.ConvertAll(s => new ShowView(s.Id, s.Title, s.StartsAt));
    }

    /// <exception cref="NotFoundException">The show does not exist.</exception>
    public async Task<IReadOnlyList<SeatView>> ListSeatsAsync(long showId, CancellationToken cancellationToken)
    {
        Show show = await db.Shows.AsNoTracking().Include(s => s.Seats).SingleOrDefaultAsync(s => s.Id == showId, cancellationToken)
            ?? throw new NotFoundException("Concert", showId);
        DateTimeOffset now = clock.GetUtcNow();
        return show.Seats
            .OrderBy(s => s.Number, StringComparer.Ordinal)
            .Select(s => new SeatView(s.Id, s.Number, s.Price, s.StatusAt(now)))
            .ToList();
    }

    /// <exception cref="NotFoundException">The reservation does not exist.</exception>
    public async Task<ReservationView> GetReservationAsync(long reservationId, CancellationToken cancellationToken)
    {
        SeatReservation reservation = await db.Reservations.AsNoTracking().SingleOrDefaultAsync(r => r.Id == reservationId, cancellationToken)
            ?? throw new NotFoundException("Reservation", reservationId);
        bool expired = reservation.Status == ReservationStatus.Held && clock.GetUtcNow() >= reservation.ExpiresAt;
        return new ReservationView(reservation.Id, reservation.UserId, reservation.SeatId, reservation.Status, reservation.ExpiresAt, expired);
    }

    /// <exception cref="NotFoundException">The user does not exist.</exception>
    public async Task<UserView> GetUserAsync(long userId, CancellationToken cancellationToken)
    {
        User user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken)
            ?? throw new NotFoundException("User", userId);
        return new UserView(user.Id, user.Name, user.Points);
    }
}
