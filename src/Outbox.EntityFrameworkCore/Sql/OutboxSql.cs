using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Outbox.EntityFrameworkCore;

/// <summary>The dialect, table names and claim statements for one DbContext type, built once from its model.</summary>
internal sealed class OutboxSql
{
    private readonly string[] claims; // by preserveKeyOrder and relaxedCommit

    private OutboxSql(DbContext context)
    {
        Dialect = OutboxSqlDialect.For(context.Database.ProviderName);
        Table = OutboxTable.From(context, Dialect);
        Parameters = new OutboxParameters(context.GetService<IRelationalTypeMappingSource>());
        claims =
        [
            Dialect.Claim(Table, preserveKeyOrder: false, relaxedCommit: false),
            Dialect.Claim(Table, preserveKeyOrder: false, relaxedCommit: true),
            Dialect.Claim(Table, preserveKeyOrder: true, relaxedCommit: false),
            Dialect.Claim(Table, preserveKeyOrder: true, relaxedCommit: true),
        ];
        Summary = OutboxSqlDialect.Summary(Table);
        DeleteCompleted = Dialect.DeleteCompleted(Table);
    }

    public string DeleteCompleted { get; }

    public OutboxSqlDialect Dialect { get; }

    public OutboxTable Table { get; }

    public OutboxParameters Parameters { get; }

    public string Summary { get; }

    public string Claim(bool preserveKeyOrder, bool relaxedCommit) => claims[(preserveKeyOrder ? 2 : 0) + (relaxedCommit ? 1 : 0)];

    /// <summary>Caches one <see cref="OutboxSql"/> per DbContext type (the model is fixed per type).</summary>
    internal sealed class Cache<TContext>
        where TContext : DbContext
    {
        private OutboxSql? sql;

        public OutboxSql Get(TContext context) => sql ??= new OutboxSql(context);
    }
}
