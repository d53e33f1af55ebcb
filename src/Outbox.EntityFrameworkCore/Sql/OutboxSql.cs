using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Outbox.EntityFrameworkCore.Sql;

/// <summary>The dialect, table names and parameter factory for one DbContext model, built once from it.</summary>
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

    /// <summary>
    /// Caches one <see cref="OutboxSql"/> per model of a DbContext type: a context whose model varies
    /// (a custom <c>IModelCacheKeyFactory</c> giving a tenant its own schema or table) gets its own
    /// table names, not the first tenant's. Weak keys, so a model EF drops is not kept alive here.
    /// </summary>
    internal sealed class Cache<TContext>
        where TContext : DbContext
    {
        private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.EntityFrameworkCore.Metadata.IModel, OutboxSql> sql = [];

        public OutboxSql Get(TContext context) => sql.GetValue(context.Model, _ => new OutboxSql(context));
    }
}
