using System.Reflection;
using System.Runtime.InteropServices;

namespace Outbox.Kafka.Testing;

/// <summary>
/// The few librdkafka functions the mock cluster needs, bound with source-generated
/// P/Invoke. librdkafka is found the way Confluent.Kafka finds it (the package's
/// <c>runtimes/</c> asset), then as the system library.
/// </summary>
internal static unsafe partial class LibrdkafkaNative
{
    private const string LibraryName = "librdkafka";

    private static readonly string[] FallbackNames =
        OperatingSystem.IsWindows() ? ["librdkafka.dll"]
        : OperatingSystem.IsMacOS() ? ["librdkafka.1.dylib", "librdkafka.dylib"]
        : ["librdkafka.so.1", "librdkafka.so"];

    private static int resolverInstalled;

    /// <summary>Installs the library resolver once per process; call before the first native call.</summary>
    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref resolverInstalled, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaNative).Assembly, Resolve);
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return 0;
        }

        if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out nint handle))
        {
            return handle;
        }

        foreach (string name in FallbackNames)
        {
            if (NativeLibrary.TryLoad(name, assembly, searchPath, out handle) || NativeLibrary.TryLoad(name, out handle))
            {
                return handle;
            }
        }

        throw new DllNotFoundException(
            "librdkafka could not be loaded: neither the runtimes/ asset of the librdkafka.redist package nor a system library ("
            + string.Join(", ", FallbackNames) + ") was found. Install librdkafka (for example the Debian package librdkafka1).");
    }

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
