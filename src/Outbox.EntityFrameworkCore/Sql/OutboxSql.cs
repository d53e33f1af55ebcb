using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Outbox.EntityFrameworkCore.Sql;

/// <summary>The dialect, table names and parameter factory for one DbContext type, built once from its model.</summary>
internal sealed class OutboxSql
{
    private OutboxSql(DbContext context)
    {
        Dialect = OutboxSqlDialect.For(context.Database.ProviderName);
        Table = OutboxTable.From(context, Dialect);
        Parameters = new OutboxParameters(context.GetService<IRelationalTypeMappingSource>());
    }

    public OutboxSqlDialect Dialect { get; }

    public OutboxTable Table { get; }

    public OutboxParameters Parameters { get; }

    /// <summary>Caches one <see cref="OutboxSql"/> per DbContext type (the model is fixed per type).</summary>
    internal sealed class Cache<TContext>
        where TContext : DbContext
    {
        private OutboxSql? sql;

        public OutboxSql Get(TContext context) => Volatile.Read(ref sql) ?? Interlocked.CompareExchange(ref sql, new OutboxSql(context), null) ?? sql;
    }
}
