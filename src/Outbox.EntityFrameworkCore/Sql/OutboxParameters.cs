using System.Data.Common;
using Microsoft.EntityFrameworkCore.Storage;

namespace Outbox.EntityFrameworkCore;

/// <summary>Creates command parameters through EF Core's type mappings, so values are stored exactly as EF stores them (for example SQLite's text dates and GUIDs).</summary>
internal sealed class OutboxParameters(IRelationalTypeMappingSource mappings)
{
    public void Add<T>(DbCommand command, string name, T value)
    {
        RelationalTypeMapping mapping = mappings.FindMapping(typeof(T))
            ?? throw new InvalidOperationException($"The database provider has no type mapping for {typeof(T).Name}.");
        command.Parameters.Add(mapping.CreateParameter(command, name, value, nullable: true));
    }
}
