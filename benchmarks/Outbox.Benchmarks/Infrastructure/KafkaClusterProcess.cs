using System.Diagnostics;
using System.Globalization;
using Outbox.Kafka.Testing;

namespace Outbox.Benchmarks.Infrastructure;

/// <summary>
/// A <see cref="KafkaMockCluster"/> in a child process of its own, so the brokers' CPU is not
/// counted as the benchmark process's. The child prints its bootstrap servers on its first line,
/// then creates the topics it is asked for on stdin, one per line, and stops when its stdin closes
/// (also when this process dies).
/// </summary>
internal sealed class KafkaClusterProcess : IAsyncDisposable
{
    public const string ChildCommand = "kafka-cluster";

    private const string CreateTopicCommand = "create-topic";
    private const string Created = "created";

    private readonly Process child;
    private readonly SemaphoreSlim commands = new(1, 1);

    private KafkaClusterProcess(Process child, string bootstrapServers)
    {
        this.child = child;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    public static async Task<KafkaClusterProcess> StartAsync(int brokers)
    {
        ProcessStartInfo start = SelfProcess.StartInfo([ChildCommand, brokers.ToString(CultureInfo.InvariantCulture)]);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        Process child = Process.Start(start)!;
        string? bootstrap = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            child.Kill();
            throw new InvalidOperationException($"The Kafka cluster process printed no bootstrap servers (exit code {(child.HasExited ? child.ExitCode : "none yet")}).");
        }

        return new KafkaClusterProcess(child, bootstrap);
    }

    /// <summary>Creates a topic in the child's cluster.</summary>
    public async Task CreateTopicAsync(string name, int partitions)
    {
        await commands.WaitAsync();
        try
        {
            await child.StandardInput.WriteLineAsync($"{CreateTopicCommand} {name} {partitions.ToString(CultureInfo.InvariantCulture)}");
            await child.StandardInput.FlushAsync();
            string? reply = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (reply != Created)
            {
                throw new InvalidOperationException($"The Kafka cluster process could not create topic {name}: {reply ?? "it exited"}.");
            }
        }
        finally
        {
            commands.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        child.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill();
        }

        child.Dispose();
        commands.Dispose();
    }

    /// <summary>The child: runs the cluster until stdin closes.</summary>
    public static int RunChild(string[] args)
    {
        int brokers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        using KafkaMockCluster cluster = KafkaMockCluster.Start(brokers);
        Console.Out.WriteLine(cluster.BootstrapServers);
        Console.Out.Flush();
        while (Console.In.ReadLine() is { } line)
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            try
            {
                if (parts is not [CreateTopicCommand, string name, string partitions])
                {
                    throw new ArgumentException($"unknown command '{line}'");
                }

                cluster.CreateTopic(name, int.Parse(partitions, CultureInfo.InvariantCulture));
                Console.Out.WriteLine(Created);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
            {
                Console.Out.WriteLine(ex.Message.ReplaceLineEndings(" "));
            }

            Console.Out.Flush();
        }

        return 0;
    }
}
