using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;
using Outbox.Messages;
using Outbox.PostgreSql.Staging;
using Outbox.Relay;
using Outbox.Storage;
using Outbox.Transport;

namespace Outbox.PostgreSql.Relay;

/// <summary>
/// One hold on the slot, from START_REPLICATION until the connection ends or the host stops: the
/// reader turns the stream into committed transactions in the window (pausing while it is full),
/// the send lanes (<see cref="OutboxOptions.MaxConcurrentBatches"/> main lanes and one for failing topics) take due messages from it through the relay's send and outcome steps, and
/// the confirmer tells the slot how far everything is acknowledged or DEAD. What was not confirmed
/// when the session ends is streamed again by the next one (at least once, same message id).
/// </summary>
internal sealed partial class LogStreamSession(
    string connectionString,
    PostgreSqlLogTailingOptions options,
    OutboxOptions outboxOptions,
    RelaySender sender,
    SendOutcomes outcomes,
    DeadMessageWriter deadWriter,
    LogTailingState state,
    TimeProvider timeProvider,
    ILogger logger) : IDisposable
{
    private static readonly TimeSpan ConfirmInterval = TimeSpan.FromMilliseconds(250);

    private readonly LogWindow window = new(options.MaxMessagesInMemory, timeProvider);
    private readonly string leaseOwner = outboxOptions.RelayName + "/log";
    private long received;
    private volatile bool inTransaction;
    private NpgsqlLogSequenceNumber confirmed;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await using var replication = new LogicalReplicationConnection(connectionString);
        await replication.Open(stoppingToken).ConfigureAwait(false);

        // On stop the lanes finish the batch in hand and the last position is confirmed while the
        // stream is still open; only then does the reader stop. A failure ends everything at once.
        using var failed = new CancellationTokenSource();
        using var lanes = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, failed.Token);
        Task reading = ReadAsync(replication, failed.Token);
        // MaxConcurrentBatches main lanes overlap one batch's broker round trip with the next; a key
        // with a message in flight is skipped by the others, so its order holds.
        Task[] sending =
        [
            .. Enumerable.Range(0, Math.Max(1, outboxOptions.MaxConcurrentBatches)).Select(_ => SendLoopAsync(failingLane: false, lanes.Token, failed.Token)),
            SendLoopAsync(failingLane: true, lanes.Token, failed.Token),
            ConfirmLoopAsync(replication, reading, lanes.Token),
        ];
        Task first = await Task.WhenAny([reading, .. sending, Task.Delay(Timeout.Infinite, stoppingToken)]).ConfigureAwait(false);
        if (first.IsFaulted || first == reading)
        {
            await failed.CancelAsync().ConfigureAwait(false);
        }

        await lanes.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(sending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!first.IsFaulted)
        {
            await ConfirmAsync(replication, idle: false, CancellationToken.None).ConfigureAwait(false);
        }

        await failed.CancelAsync().ConfigureAwait(false);
        await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stoppingToken.ThrowIfCancellationRequested();
        if (first.Exception?.InnerException is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        throw new InvalidOperationException("The replication stream ended.");
    }

    public void Dispose() => window.Dispose();

    private async Task ReadAsync(LogicalReplicationConnection replication, CancellationToken cancellationToken)
    {
        var slot = new PgOutputReplicationSlot(options.SlotName);
        var replicationOptions = new PgOutputReplicationOptions(options.PublicationName, PgOutputProtocolVersion.V1, binary: null, streamingMode: null, messages: true, twoPhase: null);
        LogTransaction? current = null;
        using var frame = new MemoryStream();
        await foreach (PgOutputReplicationMessage message in replication.StartReplication(slot, replicationOptions, cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Increment(ref received);
            switch (message)
            {
                case BeginMessage begin:
                    inTransaction = true;
                    current = new LogTransaction(new DateTimeOffset(DateTime.SpecifyKind(begin.TransactionCommitTimestamp, DateTimeKind.Utc)));
                    break;
                case LogicalDecodingMessage decoding when current is not null && decoding.Prefix == options.MessagePrefix:
                    frame.SetLength(0);
                    await decoding.Data.CopyToAsync(frame, cancellationToken).ConfigureAwait(false);
                    if (LogMessageFrame.TryDecode(frame.GetBuffer().AsSpan(0, (int)frame.Length)) is { } decoded)
                    {
                        current.Entries.Add(new LogEntry(decoded, current));
                    }
                    else
                    {
                        Log.Undecodable(logger, decoding.MessageLsn.ToString(), frame.Length);
                    }

                    break;
                case CommitMessage commit when current is not null:
                    current.EndLsn = commit.TransactionEndLsn;
                    await window.AddAsync(current, cancellationToken).ConfigureAwait(false);
                    current = null;
                    inTransaction = false;
                    break;
            }
        }
    }

    private async Task SendLoopAsync(bool failingLane, CancellationToken cancellationToken, CancellationToken abort)
    {
        await Task.Yield();

        // No lease bounds a send here (the slot is the lock): the transport may take its longest delivery, and start within a minute.
        TimeSpan sendWithin = sender.Limits.MaxDeliveryTime + TimeSpan.FromMinutes(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (failingLane && window.DeadPending() is { Count: > 0 } dead)
            {
                await WriteDeadAsync(dead, abort).ConfigureAwait(false);
            }

            List<LogEntry> batch = window.Take(outboxOptions.BatchSize, failingLane, out TimeSpan wait);
            if (batch.Count == 0)
            {
                await window.WaitForWorkAsync(failingLane, wait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            OutboxMessage[] messages = batch.ConvertAll(e => e.Message).ToArray();
            IReadOnlyList<OutboxSendResult> results = await sender.SendAsync(messages, sendWithin, abort).ConfigureAwait(false);
            var byId = new Dictionary<Guid, OutboxOutcome>(messages.Length);
            foreach (OutboxOutcome outcome in outcomes.For(leaseOwner, messages, results, stopping: false))
            {
                byId.TryAdd(outcome.MessageId, outcome);
            }

            for (int i = 0; i < batch.Count; i++)
            {
                LogEntry entry = batch[i];
                if (!byId.TryGetValue(entry.Message.Id, out OutboxOutcome outcome))
                {
                    // Sent, its confirmation left to a read back (Consumer confirmation mode): the producer has it.
                    window.Delivered(entry);
                    continue;
                }

                switch (outcome.Status)
                {
                    case OutboxStatus.Complete:
                        window.Delivered(entry);
                        break;
                    case OutboxStatus.Dead:
                        window.GoDead(entry, outcome.Attempts, outcome.LastError ?? results[i].Error);
                        break;
                    default:
                        window.Retry(entry, outcome.Attempts, outcome.RetryAfter);
                        break;
                }
            }
        }
    }

    private async Task WriteDeadAsync(List<LogEntry> dead, CancellationToken cancellationToken)
    {
        try
        {
            await deadWriter.WriteAsync(dead, cancellationToken).ConfigureAwait(false);
            foreach (LogEntry entry in dead)
            {
                window.WrittenDead(entry);
            }

            Log.WroteDead(logger, dead.Count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The database is away: the messages stay unresolved (the slot keeps them) and the write is tried again.
            Log.DeadWriteFailed(logger, dead.Count, ex);
            await Task.Delay(outboxOptions.RetryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ConfirmLoopAsync(LogicalReplicationConnection replication, Task reading, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ConfirmInterval, timeProvider);
        long receivedAtLastTick = -1;
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            if (state.Role != LogTailingRole.Streaming && !reading.IsCompleted)
            {
                // START_REPLICATION refuses at once when another instance holds the slot; still reading means it is ours.
                state.Enter(LogTailingRole.Streaming);
                Log.Streaming(logger, options.SlotName);
            }

            long now = Interlocked.Read(ref received);
            bool idle = now == receivedAtLastTick;
            receivedAtLastTick = now;
            await ConfirmAsync(replication, idle, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Confirms the window's position; when <paramref name="idle"/> and nothing is held, the stream's end (past log the outbox has no part in, which the slot may let go).</summary>
    private async Task ConfirmAsync(LogicalReplicationConnection replication, bool idle, CancellationToken cancellationToken)
    {
        NpgsqlLogSequenceNumber position = window.Confirmable;
        if (idle && window.IsEmpty && !inTransaction && replication.LastReceivedLsn > position)
        {
            position = replication.LastReceivedLsn;
        }

        if (position <= confirmed)
        {
            return;
        }

        try
        {
            replication.SetReplicationStatus(position);
            await replication.SendStatusUpdate(cancellationToken).ConfigureAwait(false);
            confirmed = position;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // What is not confirmed is streamed again by the next session.
            Log.ConfirmFailed(logger, position.ToString(), ex);
        }
    }

    // Event ids 3300-3349: the PostgreSQL log-tailing relay.
    private static partial class Log
    {
        [LoggerMessage(3301, LogLevel.Information, "Outbox log-tailing relay streams from replication slot {Slot}")]
        public static partial void Streaming(ILogger logger, string slot);

        [LoggerMessage(3302, LogLevel.Error, "Outbox log message at {Lsn} ({Length} bytes) is not a frame this version reads; skipped")]
        public static partial void Undecodable(ILogger logger, string lsn, long length);

        [LoggerMessage(3303, LogLevel.Information, "Outbox log-tailing relay wrote {Count} messages DEAD into the outbox table (the admin API lists and requeues them)")]
        public static partial void WroteDead(ILogger logger, int count);

        [LoggerMessage(3304, LogLevel.Warning, "Outbox log-tailing relay could not write {Count} DEAD messages; retrying (the slot keeps them)")]
        public static partial void DeadWriteFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(3305, LogLevel.Debug, "Outbox log-tailing relay could not confirm {Lsn}; what follows it is streamed again")]
        public static partial void ConfirmFailed(ILogger logger, string lsn, Exception exception);
    }
}
