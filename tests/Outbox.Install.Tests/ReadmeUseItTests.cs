using System.Text.Json;
using System.Text.RegularExpressions;
using Outbox.Kafka.Testing;
using Outbox.TestSupport;
using Outbox.TestSupport.Kafka;
using Outbox.TestSupport.PostgreSql;
using Xunit.Abstractions;

namespace Outbox.Install.Tests;

/// <summary>
/// The README's "Use it" section, run as a new user would: its shell steps as printed (pack, a new
/// app outside the repository, its own empty NuGet cache, the packages by version from the packed
/// folder), its Program.cs as printed, then <c>dotnet run</c> against a throwaway PostgreSQL and
/// the embedded Kafka cluster; a real consumer reads the event back.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed partial class ReadmeUseItTests(PostgreSqlServer postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task UseItSteps_AsPrinted_FreshAppDeliversTheEventToKafka()
    {
        ReadmeUseIt readme = ReadmeUseIt.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "README.md")));
        string home = Directory.CreateTempSubdirectory("outbox-install-").FullName;
        string nugetCache = Directory.CreateDirectory(Path.Combine(home, "nuget-packages")).FullName;
        string appDirectory = readme.AppDirectory(home);
        Directory.Exists(appDirectory).Should().BeFalse("the app is created by the README's own steps");
        output.WriteLine($"home for the run: {home} (the README's ~), fresh NuGet cache: {nugetCache}");

        // 1. The packages, packed in the repository.
        string pack = await Shell.RunAsync(ReadmeUseIt.Substitute(readme.PackStep, home), RepositoryPaths.Root, StepTimeout);
        string[] packages = Directory.GetFiles(readme.PackageFolder(home), "*.nupkg").Select(Path.GetFileName).ToArray()!;
        output.WriteLine("packed: " + string.Join(", ", packages));
        packages.Should().Contain(readme.PackageReferences.Select(p => $"{p.Id}.{p.Version}.nupkg"));
        pack.Should().NotContain("warning");

        // 2. A fresh app outside the repository, restoring into its own empty cache.
        var app = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = nugetCache };
        string create = await Shell.RunAsync(ReadmeUseIt.Substitute(readme.AppStep, home), RepositoryPaths.Root, StepTimeout, app);
        appDirectory.Should().NotStartWith(RepositoryPaths.Root);
        create.Should().NotContain("NU1603", "every dependency resolves to the version it asks for").And.NotContain("NU1101");

        // 3. Program.cs as printed.
        await File.WriteAllTextAsync(Path.Combine(appDirectory, "Program.cs"), readme.Program);

        // 4. Run it: a throwaway database and a cluster this test can read.
        using KafkaMockCluster kafka = KafkaMockCluster.Start(brokers: 1);
        string database = await postgres.CreateDatabaseAsync("shop");
        try
        {
            app["ConnectionStrings__Shop"] = database;
            app["Kafka__BootstrapServers"] = kafka.BootstrapServers;
            string run = await Shell.RunAsync(readme.RunStep, appDirectory, StepTimeout, app);
            output.WriteLine(run);

            Match saved = OrderSaved().Match(run);
            saved.Success.Should().BeTrue("the program prints the order it saved");
            run.Should().Contain("event delivered to Kafka");
            Guid orderId = Guid.Parse(saved.Groups[1].Value);

            IReadOnlyList<KafkaRecord> records = await KafkaTopicReader.ReadAsync(kafka.BootstrapServers, "orders", 1, TimeSpan.FromSeconds(30));
            KafkaRecord record = records.Should().ContainSingle().Subject;
            record.Key.Should().Be(orderId.ToString());
            using (JsonDocument payload = JsonDocument.Parse(record.Value))
            {
                payload.RootElement.GetProperty("orderId").GetGuid().Should().Be(orderId);
                payload.RootElement.GetProperty("total").GetDecimal().Should().Be(42.50m);
            }

            Guid.TryParse(record.Headers[OutboxHeaderNames.MessageId], out _).Should().BeTrue();
            record.Headers[OutboxHeaderNames.MessageType].Should().Be("OrderPlaced");
            output.WriteLine($"read back: key {record.Key}, value {System.Text.Encoding.UTF8.GetString(record.Value)}, headers {string.Join(", ", record.Headers.Select(h => $"{h.Key}={h.Value}"))}");
        }
        finally
        {
            await postgres.DropDatabaseAsync(database);
        }

        // What the fresh cache holds: the packages from the folder, the official native client.
        string[] cached = Directory.GetDirectories(nugetCache).Select(Path.GetFileName).ToArray()!;
        cached.Should().Contain(["outbox.core", "outbox.kafka", "librdkafka.redist", "confluent.kafka"]);
        output.WriteLine($"fresh cache: {cached.Length} packages, librdkafka.redist {string.Join(", ", Directory.GetDirectories(Path.Combine(nugetCache, "librdkafka.redist")).Select(Path.GetFileName))}");
        Directory.Delete(home, recursive: true);
    }

    [GeneratedRegex(@"order ([0-9a-f-]{36}) saved")]
    private static partial Regex OrderSaved();
}
