namespace Concert.Domain;

/// <summary>A customer with a points balance; payments are made in points.</summary>
internal sealed class User
{
    public long Id { get; private set; }

    public string Name { get; private set; } = string.Empty;

    public long Points { get; private set; }

    /// <summary>Gets the concurrency token: two payments that read the same balance cannot both spend it.</summary>
    public int Version { get; private set; }

    public static User Create(string name, long points) => new() { Name = name, Points = points };

    public void Spend(long amount)
    {
        if (amount > Points)
        {
            throw new DomainRuleException("insufficient-points", $"User {Id} has {Points} points; the seat costs {amount}.");
        }

        Points -= amount;
        Version++;
    }
}
