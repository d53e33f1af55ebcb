using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Outbox.EntityFrameworkCore.Model;
using Outbox.EntityFrameworkCore.Sql;
using Outbox.Storage;

namespace Outbox.EntityFrameworkCore.AdoNet;

/// <summary>
/// <see cref="IDbTransactionOutbox"/> on <typeparamref name="TContext"/>'s outbox table: the
/// context only supplies the model (table names, dialect, type mappings); it never opens a
/// connection here. The insert runs on the caller's connection, in the caller's transaction.
/// </summary>
internal sealed class DbTransactionOutbox<TContext>(TContext context, OutboxSql.Cache<TContext> cache, OutboxMessageFactory factory, IOutboxSignal signal) : IDbTransactionOutbox
    where TContext : DbContext
{
    public Task<OutboxStagedMessage> AddAsync<TPayload>(DbTransaction transaction, string topic, string? key, TPayload payload, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        DbConnection connection = ConnectionOf(transaction);
        return InsertAsync(connection, transaction, factory.Create(OutboxColumnLimits.Topic(topic), OutboxColumnLimits.Key(key), payload, headers), cancellationToken);
    }

    public Task<OutboxStagedMessage> AddRawAsync(DbTransaction transaction, string topic, string? key, byte[] payload, string? type = null, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        DbConnection connection = ConnectionOf(transaction);
        return InsertAsync(connection, transaction, factory.CreateRaw(OutboxColumnLimits.Topic(topic), OutboxColumnLimits.Key(key), payload, OutboxColumnLimits.Type(type), headers), cancellationToken);
    }

    public async Task CommitAsync(DbTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        signal.Notify();
    }

    private DbConnection ConnectionOf(DbTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        DbConnection connection = transaction.Connection ?? throw new ArgumentException(EndedMessage, nameof(transaction));
        Type expected = context.Database.GetDbConnection().GetType();
        return connection.GetType() == expected
            ? connection
            : throw new ArgumentException($"The transaction is on a {connection.GetType().Name}; the outbox table is in {typeof(TContext).Name}'s database ({expected.Name}). Stage into a transaction on that database.", nameof(transaction));
    }

    private const string EndedMessage = "The transaction has already committed or rolled back. Stage messages before its commit.";

    private async Task<OutboxStagedMessage> InsertAsync(DbConnection connection, DbTransaction transaction, OutboxMessage message, CancellationToken cancellationToken)
    {
        OutboxSql sql = cache.Get(context);
        OutboxStatement insert = OutboxSqlDialect.Insert(sql.Table, message);
        await using DbCommand command = connection.CreateCommand();
        try
        {
            command.Transaction = transaction;
        }
        catch (InvalidOperationException ex)
        {
            // Npgsql keeps the connection of a completed transaction and refuses it here.
            throw new ArgumentException(EndedMessage, nameof(transaction), ex);
        }

        command.CommandText = insert.Text;
        foreach (OutboxParameter parameter in insert.Parameters)
        {
            command.Parameters.Add(sql.Parameters.Create(command, parameter));
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new OutboxStagedMessage(message.Id, message.Topic, message.Key, message.Type);
    }
}
