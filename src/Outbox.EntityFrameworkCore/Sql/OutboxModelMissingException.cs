namespace Outbox.EntityFrameworkCore.Sql;

/// <summary>Builds the error for a DbContext whose model has no outbox table.</summary>
internal static class OutboxModelMissingException
{
    public static InvalidOperationException For(Type contextType) => new(
        $"{contextType.Name} has no outbox table in its model. Call modelBuilder.AddOutboxMessages() in {contextType.Name}.OnModelCreating, then add a migration (or EnsureCreated).");
}
