using System.ComponentModel.DataAnnotations;

namespace Outbox.PostgreSql;

/// <summary>
/// Options of the PostgreSQL log-tailing relay (<c>UsePostgreSqlLogTailing</c>): where the events
/// go in the write-ahead log, which replication slot reads them, and how much the relay holds in
/// memory while the broker is slow.
/// </summary>
public sealed class PostgreSqlLogTailingOptions
{
    /// <summary>Gets or sets the logical replication slot the relay reads: its place in the log, and its lock (one active reader at a time). Default <c>outbox_relay</c>; one slot per outbox database.</summary>
    [RegularExpression("^[a-z0-9_]{1,63}$", ErrorMessage = "PostgreSqlLogTailingOptions.SlotName must be 1 to 63 characters of a-z, 0-9 and _ (PostgreSQL's rule for slot names). The default is outbox_relay.")]
    public string SlotName { get; set; } = "outbox_relay";

    /// <summary>Gets or sets the publication the slot streams with (pgoutput needs one; the relay's is empty, since it reads messages, not table rows). Default <c>outbox_publication</c>.</summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = "PostgreSqlLogTailingOptions.PublicationName must be 1 to 63 characters of a-z, 0-9 and _, not starting with a digit. The default is outbox_publication.")]
    public string PublicationName { get; set; } = "outbox_publication";

    /// <summary>Gets or sets the prefix of the logical decoding messages the outbox writes (<c>pg_logical_emit_message(true, prefix, …)</c>); messages with other prefixes are ignored. Default <c>outbox</c>.</summary>
    [RegularExpression("^[A-Za-z0-9_.:-]{1,63}$", ErrorMessage = "PostgreSqlLogTailingOptions.MessagePrefix must be 1 to 63 characters of A-Z, a-z, 0-9, _ . : -. The default is outbox.")]
    public string MessagePrefix { get; set; } = "outbox";

    /// <summary>
    /// Gets or sets the connection string the relay streams with, or <see langword="null"/> to use the
    /// outbox DbContext's. Its role needs the <c>REPLICATION</c> attribute (and, for the relay to
    /// create the slot and publication itself, <c>CREATE</c> on the database).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets whether the relay creates the publication and the slot when they are missing. Default <see langword="true"/>; with <see langword="false"/> (or without the rights) it logs the SQL an administrator must run and waits.</summary>
    public bool CreateIfMissing { get; set; } = true;

    /// <summary>Gets or sets how often an instance whose slot another instance holds tries to take it over. Default 2 seconds.</summary>
    [OptionRange(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "PostgreSqlLogTailingOptions.TakeoverInterval must be between 100 ms and 10 minutes (it was {3}). The default is 2 seconds.")]
    public TimeSpan TakeoverInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Gets or sets how many streamed messages the relay holds in memory awaiting the broker. While
    /// a topic fails, the other topics' messages go on up to this bound; past it the stream pauses and
    /// the slot keeps the log (the lag gauge shows it). Default 10,000.
    /// </summary>
    [OptionRange(1, 1_000_000, ErrorMessage = "PostgreSqlLogTailingOptions.MaxMessagesInMemory must be between 1 and 1,000,000 (it was {3}). The default is 10,000.")]
    public int MaxMessagesInMemory { get; set; } = 10_000;

    /// <summary>Gets or sets how often the relay reads the slot's lag (the <c>outbox.log.slot.lag</c> gauge, the health check). Default 10 seconds.</summary>
    [OptionRange(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "PostgreSqlLogTailingOptions.LagSampleInterval must be between 100 ms and 1 hour (it was {3}). The default is 10 seconds.")]
    public TimeSpan LagSampleInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the slot lag, in bytes of write-ahead log the slot holds back, above which the health check reports Degraded. Default 1 GiB.</summary>
    [OptionRange(1.0, 1e15, ErrorMessage = "PostgreSqlLogTailingOptions.MaxHealthyLagBytes must be positive (it was {3}). The default is 1 GiB.")]
    public long MaxHealthyLagBytes { get; set; } = 1L << 30;
}
