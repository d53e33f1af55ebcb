using System.Runtime.InteropServices;

namespace Outbox.Kafka.Testing;

/// <summary>
/// Owns a mock cluster and the client handle it lives in. Reference counting (SafeHandle) makes
/// dispose thread-safe: a native call in progress keeps both alive, later calls throw
/// <see cref="ObjectDisposedException"/>.
/// </summary>
internal sealed class MockClusterHandle : SafeHandle
{
    private readonly nint client;

    public MockClusterHandle(nint client, nint mockCluster)
        : base(0, ownsHandle: true)
    {
        this.client = client;
        SetHandle(mockCluster);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        // The cluster must go before the handle it lives in.
        LibrdkafkaNative.MockClusterDestroy(handle);
        LibrdkafkaNative.Destroy(client);
        return true;
    }
}
