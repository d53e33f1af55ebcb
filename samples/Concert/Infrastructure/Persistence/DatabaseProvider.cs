namespace Concert.Infrastructure.Persistence;

/// <summary>The databases the app can run on (<c>Database:Provider</c>).</summary>
internal enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
    SqlServer,
}
