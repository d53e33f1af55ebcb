namespace Outbox.TestSupport.Servers;

/// <summary>The container images the fixtures start with Testcontainers where a Docker engine answers (the CI workflow's service containers use the same).</summary>
public static class TestImages
{
    public const string PostgreSql = "postgres:15-alpine";

    public const string SqlServer = "mcr.microsoft.com/mssql/server:2022-latest";

    /// <summary>Apache Kafka in KRaft mode (no ZooKeeper), one broker.</summary>
    public const string Kafka = "apache/kafka:4.1.0";
}
