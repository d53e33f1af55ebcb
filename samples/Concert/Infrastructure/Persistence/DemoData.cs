using System.Globalization;
using Concert.Domain;

namespace Concert.Infrastructure.Persistence;

/// <summary>The demo data an empty database starts with: one concert of 50 seats and three users.</summary>
internal static class DemoData
{
    private const int Rows = 5;
    private const int SeatsPerRow = 10;

    public static Show CreateShow(DateTimeOffset now)
    {
        Show show = Show.Create("Outbox Live in Seoul", now.Date.AddDays(30).AddHours(19));
        for (int row = 0; row < Rows; row++)
        {
            for (int seat = 1; seat <= SeatsPerRow; seat++)
            {
                // Front rows cost more.
                long price = row < 2 ? 80_000 : 50_000;
                show.Seats.Add(Seat.Create($"{(char)('A' + row)}-{seat.ToString("00", CultureInfo.InvariantCulture)}", price));
            }
        }

        return show;
    }

    public static IEnumerable<User> CreateUsers() =>
    [
        User.Create("Kim Minji", 200_000),
        User.Create("Lee Junho", 100_000),
        User.Create("Park Sora", 30_000), // not enough for any seat: the "insufficient points" case
    ];
}
