namespace Concert.Infrastructure.Persistence;

/// <summary>Which database to use, bound from the <c>Database</c> section; the connection string is <c>ConnectionStrings:Concert</c>.</summary>
internal sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    public const string ConnectionStringName = "Concert";

    /// <summary>Gets or sets the provider.</summary>
    /// <value>The default value is <see cref="DatabaseProvider.Sqlite"/>, a file next to the app (<c>concert.db</c>).</value>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Gets or sets whether to add the demo show, seats and users to an empty database on start.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Seed { get; set; } = true;
}
