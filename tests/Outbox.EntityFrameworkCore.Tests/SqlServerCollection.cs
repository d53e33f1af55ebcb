using Outbox.TestSupport.SqlServer;

namespace Outbox.EntityFrameworkCore.Tests;

[CollectionDefinition(Name)]
public sealed class SqlServerCollection : ICollectionFixture<SqlServerServer>
{
    public const string Name = "SQL Server";
}
