using Outbox.TestSupport.PostgreSql;

namespace Outbox.EndToEnd.Tests;

[CollectionDefinition(Name)]
public sealed class PostgreSqlCollection : ICollectionFixture<PostgreSqlServer>
{
    public const string Name = "PostgreSQL";
}
