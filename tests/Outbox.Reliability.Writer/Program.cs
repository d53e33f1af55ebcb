using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Outbox;
using Outbox.Reliability.Writer;
using Outbox.TestSupport.Data;
using Outbox.TestSupport.Fakes;
using Outbox.TestSupport.Hosting;
using Outbox.Transport;

// The application the reliability suite kills with SIGKILL. It speaks to the test on stdout, one
// marker line at a time (logs go to stderr), and exits by itself if the test goes away (stdin
// closes) or after a safety timeout, so a failed test never leaves it running.
//
//   write-then-die            --db CS --topic T --count N --per-tx M
//       relay disabled; commits N messages (M per transaction, each with a business row), prints
//       "COMMITTED <id>" per committed message and "ALL-COMMITTED <n>", then saves M more in a
//       transaction it never commits ("IN-FLIGHT <id>"), prints "READY" and waits to be killed.
//   relay-die-before-complete --db CS --kafka BS --lease-ms L --name R
//       a relay that sends its first batch, prints "ACKED <id>" for every message the broker
//       acknowledged and "ACKED-ALL <n> OF <batch>", then blocks before COMPLETE is recorded.
//   relay-die-mid-batch       --db CS --kafka BS --lease-ms L --name R
//       a relay whose transport sends the first half of its first batch, prints "SENT <id>" for
//       each acknowledged one and "HALF-SENT <sent> OF <batch>", then blocks with the rest unsent.
//   relay                     --db CS --kafka BS --lease-ms L --name R
//       a plain relay; prints "STARTED".
//   write                     --db CS --topic T --count N --keys K
//       relay disabled; commits N messages one per transaction on keys key-0 … key-(K-1), prints
//       "COMMITTED <id>" for each and "ALL-COMMITTED <n>", then waits to be killed.
//   write-direct-die-after-ack --db CS --kafka BS --lease-ms L --name R --topic T --count N --keys K
//       writes as "write" with the relay on: its direct sender sends each commit from memory through
//       a transport that prints "ACKED <id>" and "ACKED-ALL <n> OF <batch>" and then blocks, so
//       the broker has those messages and the database never hears of it.
//   first-use                 --db CS [--provider postgresql|sqlite] [--writers W] [--kafka BS]
//       an application's first moments: starts the host (with the relay if --kafka is given) and at
//       once runs W (default 8) concurrent first SaveChangesAsync calls, each saving an order and an
//       outbox message; prints "FIRST-USE-OK <W>" and exits 0, or "FIRST-USE-FAILED <exception>"
//       for each failed save and exits 1. Each run is a fresh process: EF Core's model is built and
//       cached once per process, so only a new process sees the first use again.
//   consume                   --db CS --kafka BS --topic T --group G
//       relay disabled; an inbox consumer (AddKafkaInboxConsumer) in group G whose handler saves an
//       order named by each record's message id; prints "OUTCOME <handled|duplicate|unidentified>"
//       per record, as the inbox counted it.
//   consume-die-after-commit  --db CS --kafka BS --topic T --group G --commits K
//       as "consume", but after the K-th handler transaction committed, before its offset is
//       committed, prints "DIE-POINT <K>" and blocks for the test's SIGKILL.
// Every mode also takes --log-slot S (the log-tailing relay on replication slot S, publication
// S_pub: events go to the write-ahead log, the relay streams them),
// --clock-offset-ms O (this process's clock runs O ms ahead, or behind when
// negative) and --defaults true (the library's default lease and send timeout instead of the
// suite's short ones).
if (args.Length == 0)
{
    await Console.Error.WriteLineAsync("usage: Outbox.Reliability.Writer <mode> --key value ...");
    return 2;
}

string mode = args[0];
Dictionary<string, string> options = ChildArguments.Parse(args.AsSpan(1));
WatchParent();

HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
bool sqlite = options.GetValueOrDefault("provider", "postgresql") == "sqlite";
builder.Services.AddDbContext<TestDbContext>(o => _ = sqlite ? o.UseSqlite(options["db"]) : o.UseNpgsql(options["db"]));
if (options.TryGetValue("clock-offset-ms", out string? offset))
{
    builder.Services.AddSingleton<TimeProvider>(new OffsetTimeProvider(TimeSpan.FromMilliseconds(int.Parse(offset, System.Globalization.CultureInfo.InvariantCulture))));
}

bool defaults = options.GetValueOrDefault("defaults") == "true";
bool consume = mode.StartsWith("consume", StringComparison.Ordinal);
bool relay = mode switch
{
    "write-then-die" or "write" => false,
    _ when consume => false,
    "first-use" => options.ContainsKey("kafka"),
    _ => true,
};
IOutboxBuilder outbox = builder.Services
    .AddOutbox(o =>
    {
        o.RelayName = options.GetValueOrDefault("name", mode);
        o.EnableRelay = relay;
        o.DirectSend = mode == "write-direct-die-after-ack";
        o.PollingInterval = TimeSpan.FromMilliseconds(200);
        if (options.TryGetValue("lease-ms", out string? lease))
        {
            o.LeaseDuration = TimeSpan.FromMilliseconds(int.Parse(lease, System.Globalization.CultureInfo.InvariantCulture));
        }
    })
    .UseEntityFrameworkCore<TestDbContext>();
if (options.TryGetValue("log-slot", out string? slot))
{
    outbox.UsePostgreSqlLogTailing(o =>
    {
        o.SlotName = slot;
        o.PublicationName = slot + "_pub";
        o.TakeoverInterval = TimeSpan.FromMilliseconds(500);
    });
}

if (relay || consume)
{
    outbox.UseKafka(k =>
    {
        k.BootstrapServers = options["kafka"];
        k.Consumer.SessionTimeoutMs = 6000; // a killed consumer's partitions go to the next one within 6 s
        k.Consumer.HeartbeatIntervalMs = 500;
        if (!defaults)
        {
            k.SendTimeout = TimeSpan.FromSeconds(1); // sends take at most 3 s: leases from 5 s pass the start-up check
        }
    });
}

switch (mode)
{
    case "relay-die-before-complete" or "write-direct-die-after-ack":
        ServiceDecorator.Decorate<IOutboxTransport>(builder.Services, HangingTransport.AfterAck);
        break;
    case "relay-die-mid-batch":
        ServiceDecorator.Decorate<IOutboxTransport>(builder.Services, HangingTransport.MidBatch);
        break;
    case "consume":
        outbox.AddKafkaInboxConsumer<RecordingInboxHandler>(options["group"], options["topic"]);
        break;
    case "consume-die-after-commit":
        outbox.AddKafkaInboxConsumer<RecordingInboxHandler>(options["group"], options["topic"]);
        var dieAfter = new DieAfterCommitInterceptor(int.Parse(options["commits"], System.Globalization.CultureInfo.InvariantCulture));
        builder.Services.ConfigureDbContext<TestDbContext>(o => o.AddInterceptors(dieAfter));
        break;
    case "relay" or "write-then-die" or "write" or "first-use":
        break;
    default:
        await Console.Error.WriteLineAsync($"unknown mode {mode}");
        return 2;
}

using var outcomes = new System.Diagnostics.Metrics.MeterListener();
if (consume)
{
    outcomes.InstrumentPublished = (instrument, listener) =>
    {
        if (instrument.Name == "outbox.inbox.records")
        {
            listener.EnableMeasurementEvents(instrument);
        }
    };
    outcomes.SetMeasurementEventCallback<long>((_, _, tags, _) =>
    {
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            if (tag.Key == "outbox.inbox.outcome")
            {
                Console.WriteLine($"OUTCOME {tag.Value}");
            }
        }
    });
    outcomes.Start();
}

using IHost host = builder.Build();
await host.StartAsync();
Console.WriteLine("STARTED");

if (mode == "first-use")
{
    return await FirstUseAsync(host.Services, int.Parse(options.GetValueOrDefault("writers", "8"), System.Globalization.CultureInfo.InvariantCulture));
}

if (mode == "write-then-die")
{
    await WriteThenWaitAsync(host.Services, options["topic"], int.Parse(options["count"], System.Globalization.CultureInfo.InvariantCulture), int.Parse(options["per-tx"], System.Globalization.CultureInfo.InvariantCulture));
}
else if (mode is "write" or "write-direct-die-after-ack")
{
    await WriteAsync(host.Services, options["topic"], int.Parse(options["count"], System.Globalization.CultureInfo.InvariantCulture), int.Parse(options["keys"], System.Globalization.CultureInfo.InvariantCulture));
}

// Wait to be killed (the test's SIGKILL); the watchdog ends a forgotten process.
await Task.Delay(Timeout.Infinite);
return 0;

static async Task WriteThenWaitAsync(IServiceProvider services, string topic, int count, int perTransaction)
{
    int committed = 0;
    while (committed < count)
    {
        await using AsyncServiceScope scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<IOutbox>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var ids = new List<Guid>();
        for (int i = 0; i < perTransaction && committed + i < count; i++)
        {
            var orderId = Guid.NewGuid();
            db.Orders.Add(new Order { Id = orderId, Customer = "crash-writer", Amount = committed + i });
            ids.Add(outbox.Add(topic, "key-" + ((committed + i) % 97), new OrderPlaced(orderId, "crash-writer", committed + i)).Id);
        }

        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        foreach (Guid id in ids)
        {
            Console.WriteLine($"COMMITTED {id}");
        }

        committed += ids.Count;
    }

    Console.WriteLine($"ALL-COMMITTED {committed}");

    // A transaction in flight when the process dies: saved, never committed.
    AsyncServiceScope open = services.CreateAsyncScope();
    var openDb = open.ServiceProvider.GetRequiredService<TestDbContext>();
    var openOutbox = open.ServiceProvider.GetRequiredService<IOutbox>();
    await openDb.Database.BeginTransactionAsync();
    for (int i = 0; i < perTransaction; i++)
    {
        Guid id = openOutbox.Add(topic, "in-flight", new OrderPlaced(Guid.NewGuid(), "never-committed", i)).Id;
        Console.WriteLine($"IN-FLIGHT {id}");
    }

    await openDb.SaveChangesAsync();
    Console.WriteLine("READY");
}

static async Task WriteAsync(IServiceProvider services, string topic, int count, int keys)
{
    for (int i = 0; i < count; i++)
    {
        await using AsyncServiceScope scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var orderId = Guid.NewGuid();
        db.Orders.Add(new Order { Id = orderId, Customer = "writer", Amount = i });
        Guid id = scope.ServiceProvider.GetRequiredService<IOutbox>().Add(topic, "key-" + (i % keys), new OrderPlaced(orderId, "writer", i)).Id;
        await db.SaveChangesAsync();
        Console.WriteLine($"COMMITTED {id}");
    }

    Console.WriteLine($"ALL-COMMITTED {count}");
}

static async Task<int> FirstUseAsync(IServiceProvider services, int writers)
{
    // Every writer has its scope, context and staged message ready, then all save at once: the
    // first SaveChangesAsync calls of the process run concurrently, as requests do after a deploy.
    int waiting = writers;
    var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    Task<Exception?>[] saves = Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
    {
        await using AsyncServiceScope scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        Exception? failure = null;
        try
        {
            var orderId = Guid.NewGuid();
            db.Orders.Add(new Order { Id = orderId, Customer = "first-use", Amount = i });
            scope.ServiceProvider.GetRequiredService<IOutbox>().Add("first-use", "key-" + i, new OrderPlaced(orderId, "first-use", i));
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        if (Interlocked.Decrement(ref waiting) == 0)
        {
            ready.SetResult();
        }

        await go.Task;
        if (failure is not null)
        {
            return failure;
        }

        try
        {
            await db.SaveChangesAsync();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    })).ToArray();
    await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    go.SetResult();
    Exception[] failures = (await Task.WhenAll(saves)).OfType<Exception>().ToArray();
    foreach (Exception failure in failures)
    {
        Console.WriteLine($"FIRST-USE-FAILED {failure.GetType().Name}: {failure.Message.ReplaceLineEndings(" ")}");
        await Console.Error.WriteLineAsync(failure.ToString());
    }

    if (failures.Length == 0)
    {
        Console.WriteLine($"FIRST-USE-OK {writers}");
    }

    return failures.Length == 0 ? 0 : 1;
}

static void WatchParent()
{
    // stdin closes when the test process goes away: do not outlive it.
    _ = Task.Run(async () =>
    {
        while (await Console.In.ReadLineAsync() is not null)
        {
        }

        Environment.Exit(4);
    });
    _ = Task.Run(async () =>
    {
        await Task.Delay(TimeSpan.FromMinutes(3));
        await Console.Error.WriteLineAsync("watchdog: not killed within 3 minutes, exiting");
        Environment.Exit(3);
    });
}
