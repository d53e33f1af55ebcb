using System.Globalization;

namespace Outbox.Benchmarks;

/// <summary>Command-line settings. Every size has a full and a --quick default.</summary>
internal sealed class BenchSettings
{
    public const string Usage = """
        Outbox.Benchmarks: measures the outbox against its limits, and beside Wolverine and the no-outbox baselines (peers),
        on PostgreSQL 15 + librdkafka's mock Kafka cluster, and prints markdown tables (ratios against limits measured in the same run).

        usage: dotnet run -c Release --project benchmarks/Outbox.Benchmarks -- [options]
               bash eng/benchmark.sh [options]          (set-up + throwaway PostgreSQL + run)

        options:
          --quick                 every scenario small (CI, < 60 s); checks only that every message was delivered
          --postgres <conn>       use this PostgreSQL server (default: $OUTBOX_TEST_POSTGRES, else a throwaway cluster from eng/postgres.sh)
          --scenarios <list>      comma-separated subset of: write, drain, latency, e2e, claims, memory, peers   (default: all);
                                  also: transport (diagnostic: the Kafka transport alone per batch size)
          --backlog <n>           drain backlog size (default 200000; quick 4000)
          --messages <n>          memory scenario drain size (default 1000000, the target's size; quick 4000)
          --peer-messages <n>     peers scenario: messages per run of each system (default 30000; quick 2000)
          --peer-systems <list>   peers scenario: a subset of outbox, outbox-log-tailing, outbox-direct, outbox-direct-delete, outbox-relay-off, wolverine,
                                  no-outbox, business-only, write-floor (default: all; the targets need all but the log-tailing and the two direct ones)
          --duration <seconds>    window of each write / end-to-end run (default 5; quick 0.3)
          --latency-seconds <s>   length of each latency run, the peers' too (default 10; quick 0.5)
          --repeat <n>            repeats of the cheap runs (write, e2e, raw producer) and interleaved rounds of peers, median reported (default 3; quick 1)
          --concurrent-batches <l> extra drain runs (1 relay, batch 500) with other OutboxOptions.MaxConcurrentBatches values
                          (default 1; every other run uses the library's default, 2)
          --rates <list>          latency offered loads in msg/s (default 1000,5000)
          --batch-sizes <list>    drain batch-size sweep (default 100,500,1000,2000)
          --relays <list>         drain relay counts (default 1,2,4)
          --keys <n>              distinct message keys (default 10000)
          --payload <bytes>       payload size (default 200)
          --producer <key=value>  a librdkafka producer setting for every producer (the relay's, the plain one, the baseline's); repeatable
          --output <file>         also write the tables to this file
          --help                  this text

        exit code: 0 when every message of every scenario was delivered, 1 otherwise.
        """;

    public bool Quick { get; private set; }

    public string? Postgres { get; private set; }

    public HashSet<string> Scenarios { get; private set; } = new(StringComparer.OrdinalIgnoreCase) { "write", "drain", "latency", "e2e", "claims", "memory", "peers" };

    public int Backlog { get; private set; } = 200_000;

    public int Messages { get; private set; } = 1_000_000;

    public int PeerMessages { get; private set; } = 30_000;

    /// <summary>The peers systems to run, or <see langword="null"/> for all.</summary>
    public HashSet<string>? PeerSystems { get; private set; }

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(5);

    public TimeSpan LatencyDuration { get; private set; } = TimeSpan.FromSeconds(10);

    public int Repeat { get; private set; } = 3;

    public int[] BatchSizes { get; private set; } = [100, 500, 1000, 2000];

    public int[] Relays { get; private set; } = [1, 2, 4];

    public int[] Rates { get; private set; } = [1_000, 5_000];

    public int[] ConcurrentBatches { get; private set; } = [1];

    public int Keys { get; private set; } = 10_000;

    public int PayloadBytes { get; private set; } = 200;

    public string? Output { get; private set; }

    public Dictionary<string, string> Producer { get; } = new(StringComparer.Ordinal);

    public bool Help { get; private set; }

    public bool Runs(string scenario) => Scenarios.Contains(scenario);

    public static BenchSettings Parse(string[] args)
    {
        var s = new BenchSettings();
        if (args.Contains("--quick"))
        {
            s.Quick = true;
            s.Backlog = 4_000;
            s.Messages = 4_000;
            s.PeerMessages = 2_000;
            s.Duration = TimeSpan.FromSeconds(0.3);
            s.LatencyDuration = TimeSpan.FromSeconds(0.5);
            s.Repeat = 1;
            s.BatchSizes = [100, 500];
        }

        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            int[] NextInts() => Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            switch (args[i])
            {
                case "--quick": break;
                case "--help" or "-h" or "-?": s.Help = true; break;
                case "--postgres": s.Postgres = Next(); break;
                case "--scenarios": s.Scenarios = new HashSet<string>(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase); break;
                case "--backlog": s.Backlog = NextInt(); break;
                case "--messages": s.Messages = NextInt(); break;
                case "--peer-messages": s.PeerMessages = NextInt(); break;
                case "--peer-systems": s.PeerSystems = new HashSet<string>(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase); break;
                case "--duration": s.Duration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--latency-seconds": s.LatencyDuration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--repeat": s.Repeat = Math.Max(1, NextInt()); break;
                case "--batch-sizes": s.BatchSizes = NextInts(); break;
                case "--relays": s.Relays = NextInts(); break;
                case "--rates": s.Rates = NextInts(); break;
                case "--concurrent-batches": s.ConcurrentBatches = NextInts(); break;
                case "--keys": s.Keys = NextInt(); break;
                case "--payload": s.PayloadBytes = NextInt(); break;
                case "--output": s.Output = Next(); break;
                case "--producer":
                    string[] kv = Next().Split('=', 2);
                    s.Producer[kv[0]] = kv.Length == 2 ? kv[1] : throw new ArgumentException("--producer takes key=value.");
                    break;
                default: throw new ArgumentException($"Unknown option {args[i]}. See --help.");
            }
        }

        return s;
    }
}
