using Outbox.TestSupport.Data;

namespace Outbox.TestSupport.Servers;

/// <summary>A database server the tests create throwaway databases on (PostgreSQL, SQL Server).</summary>
public interface IDatabaseServer
{
    /// <summary>Gets the kind of database this server holds.</summary>
    DatabaseKind Kind { get; }

    /// <summary>Creates an empty database and returns its connection string; skips the test (Xunit.SkipException, with the reason) when the server is missing.</summary>
    Task<string> CreateDatabaseAsync(string prefix = "outbox");

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing whatever connections remain.</summary>
    Task DropDatabaseAsync(string databaseConnectionString);
}
