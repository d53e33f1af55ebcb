using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Outbox.Kafka.Testing;

/// <summary>
/// The few librdkafka functions the mock cluster needs, bound with source-generated P/Invoke to
/// the very native library Confluent.Kafka loaded in this process. Two librdkafka builds in one
/// process (say the package's and a system copy) would each have their own globals and mock
/// clusters; binding to Confluent.Kafka's copy rules that out.
/// </summary>
internal static unsafe partial class LibrdkafkaNative
{
    private const string LibraryName = "librdkafka";

    private static readonly Lazy<nint> Loaded = new(FindLoadedLibrary);
    private static int resolverInstalled;

    /// <summary>Installs the library resolver once per process; call before the first native call.</summary>
    /// <exception cref="DllNotFoundException">Confluent.Kafka could not load librdkafka, or its loaded copy could not be found.</exception>
    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref resolverInstalled, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaNative).Assembly, Resolve);
        }

        _ = Loaded.Value;
    }

    /// <summary>Gets the file of the librdkafka this process loaded (Linux; <see langword="null"/> elsewhere).</summary>
    public static string? LoadedPath { get; private set; }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == LibraryName ? Loaded.Value : 0;

    private static nint FindLoadedLibrary()
    {
        // Makes Confluent.Kafka load its native library (the librdkafka.redist runtimes/ asset that fits this machine).
        string version;
        try
        {
            version = Library.VersionString;
        }
        catch (DllNotFoundException ex)
        {
            throw new DllNotFoundException(
                "Confluent.Kafka could not load librdkafka, so the mock cluster cannot start either. The librdkafka.redist package "
                + "(a dependency of Confluent.Kafka) must be restored for this runtime: " + ex.Message, ex);
        }

        if (OperatingSystem.IsLinux())
        {
            string[] paths = LoadedLinuxLibraries();
            if (paths.Length != 1)
            {
                throw new DllNotFoundException(paths.Length == 0
                    ? $"Confluent.Kafka reports librdkafka {version}, but no librdkafka file is mapped in this process (/proc/self/maps)."
                    : $"This process has {paths.Length} librdkafka builds loaded ({string.Join(", ", paths)}). Remove the extra one: the mock cluster must run in the copy Confluent.Kafka uses.");
            }

            LoadedPath = paths[0];
            return NativeLibrary.Load(paths[0]); // already loaded: the same handle, no second copy
        }

        // Windows and macOS return an already-loaded module for its file name.
        string name = OperatingSystem.IsWindows() ? "librdkafka.dll" : "librdkafka.dylib";
        return NativeLibrary.TryLoad(name, out nint handle)
            ? handle
            : throw new DllNotFoundException($"Confluent.Kafka loaded librdkafka {version}, but {name} could not be found again to bind the mock cluster to it.");
    }

    /// <summary>The distinct librdkafka files mapped into this process.</summary>
    private static string[] LoadedLinuxLibraries() =>
        File.ReadLines("/proc/self/maps")
            .Select(line => line.IndexOf('/', StringComparison.Ordinal) is int slash and >= 0 ? line[slash..] : null)
            .Where(path => path is not null && Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal))
            .Select(path => path!)
            .Distinct(StringComparer.Ordinal)
            .ToArray();

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_new")]
    public static partial nint ConfNew();

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ConfSet(nint conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_destroy")]
    public static partial void ConfDestroy(nint conf);

    /// <summary>Creates a client handle; on success it owns <paramref name="conf"/>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_new")]
    public static partial nint New(int type, nint conf, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_destroy")]
    public static partial void Destroy(nint rk);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_err2name")]
    public static partial nint ErrorName(int err);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_err2str")]
    public static partial nint ErrorDescription(int err);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_new")]
    public static partial nint MockClusterNew(nint rk, int brokerCount);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    public static partial void MockClusterDestroy(nint mcluster);

    /// <summary>Returns a string owned by the cluster: read it with <see cref="Marshal.PtrToStringUTF8(nint)"/>, never free it.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    public static partial nint MockClusterBootstraps(MockClusterHandle mcluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MockTopicCreate(MockClusterHandle mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_set_error", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void MockTopicSetError(MockClusterHandle mcluster, string topic, int err);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_partition_set_leader", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MockPartitionSetLeader(MockClusterHandle mcluster, string topic, int partition, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_down")]
    public static partial int MockBrokerSetDown(MockClusterHandle mcluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_up")]
    public static partial int MockBrokerSetUp(MockClusterHandle mcluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    public static partial int MockBrokerSetRtt(MockClusterHandle mcluster, int brokerId, int rttMs);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    public static partial void MockPushRequestErrorsArray(MockClusterHandle mcluster, short apiKey, nuint count, int* errors);

    /// <summary>Gets librdkafka's name and description of an error code, for exception messages.</summary>
    public static string DescribeError(int err) =>
        $"{Marshal.PtrToStringUTF8(ErrorName(err))} ({Marshal.PtrToStringUTF8(ErrorDescription(err))})";
}
