using System.Data.Common;
using Microsoft.EntityFrameworkCore.Storage;

namespace Outbox.EntityFrameworkCore.Sql;

/// <summary>Creates command parameters through EF Core's type mappings, so values are stored exactly as EF stores them (for example SQLite's text dates and GUIDs).</summary>
internal sealed class OutboxParameters(IRelationalTypeMappingSource mappings)
{
    public DbParameter Create(DbCommand command, OutboxParameter parameter)
    {
        RelationalTypeMapping mapping = mappings.FindMapping(parameter.Type)
            ?? throw new InvalidOperationException($"The database provider has no type mapping for {parameter.Type.Name}.");
        return mapping.CreateParameter(command, parameter.Name, parameter.Value, nullable: true);
    }
}
