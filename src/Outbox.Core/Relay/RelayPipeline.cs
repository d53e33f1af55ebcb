using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outbox.Diagnostics;
using Outbox.Transport;
using Polly;

namespace Outbox.Relay;

/// <summary>
/// The relay's pipeline as this process runs it: source → send → outcome. Holds the steps every
/// worker shares (the send step, the outcome step, the recording retry, this instance's name) and
/// makes one <see cref="RelayWorker"/> per loop, fed by the polling claim. Direct sends use the
/// same send and outcome steps with a source of their own.
/// </summary>
internal sealed class RelayPipeline
{
    private readonly IServiceScopeFactory scopeFactory;
    private readonly OutboxOptions options;
    private readonly TimeProvider timeProvider;
    private readonly OutboxMetrics metrics;
    private readonly ILogger logger;
    private readonly ResiliencePipeline recordRetry;

    public RelayPipeline(
        IServiceScopeFactory scopeFactory,
        IOutboxTransport transport,
        IOptions<OutboxOptions> options,
        TimeProvider timeProvider,
        OutboxMetrics metrics,
        ILogger<RelayWorker> logger)
    {
        this.scopeFactory = scopeFactory;
        this.options = options.Value;
        this.timeProvider = timeProvider;
        this.metrics = metrics;
        this.logger = logger;
        Instance = new RelayInstance(this.options.RelayName);
        Sender = new RelaySender(transport, this.options, logger);
        Outcomes = new SendOutcomes(this.options, metrics, logger);
        recordRetry = RelayRetries.Record(this.options, timeProvider, (attempt, ex) => RelayWorker.LogRecordRetry(this.logger, attempt, ex));
    }

    /// <summary>Gets this process's relay instance (its name in lease owners).</summary>
    public RelayInstance Instance { get; }

    /// <summary>Gets the send step.</summary>
    public RelaySender Sender { get; }

    /// <summary>Gets the outcome step.</summary>
    public SendOutcomes Outcomes { get; }

    /// <summary>A worker for one loop, fed by the polling claim.</summary>
    public RelayWorker CreateWorker() =>
        new(new ClaimSource(scopeFactory, options, timeProvider, Instance), Sender, Outcomes, recordRetry, options, timeProvider, metrics, logger);
}
