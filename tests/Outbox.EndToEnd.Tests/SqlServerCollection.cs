using Outbox.TestSupport.SqlServer;

namespace Outbox.EndToEnd.Tests;

[CollectionDefinition(Name)]
public sealed class SqlServerCollection : ICollectionFixture<SqlServerServer>
{
    public const string Name = "SQL Server";
}
