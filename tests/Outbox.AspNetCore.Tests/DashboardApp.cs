using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outbox.AspNetCore;
using Outbox.Kafka;
using Outbox.Kafka.Testing;
using Outbox.Storage;
using Outbox.TestSupport.Data;

namespace Outbox.AspNetCore.Tests;

/// <summary>
/// A real ASP.NET Core application on Kestrel (a free port on 127.0.0.1) with the outbox on a
/// SQLite file and the embedded Kafka cluster, and the dashboard mapped at <c>/outbox</c>: wired
/// as an application wires it. A test header (<c>X-Test-Role</c>) signs the caller in with a role.
/// </summary>
public sealed class DashboardApp : IAsyncDisposable
{
    public const string Topic = "dashboard-orders";
    public const string OperatorsPolicy = "OutboxOperators";
    public const string RoleHeader = "X-Test-Role";

    private readonly WebApplication app;

    private DashboardApp(WebApplication app, TestDatabase database, KafkaMockCluster kafka, Uri baseAddress)
    {
        this.app = app;
        Database = database;
        Kafka = kafka;
        BaseAddress = baseAddress;
        Client = NewClient();
    }

    public TestDatabase Database { get; }

    public KafkaMockCluster Kafka { get; }

    /// <summary>Gets the application's address, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets a client with its own cookies (the antiforgery cookie).</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => app.Services;

    /// <param name="relay">Whether the relay runs; off, messages stay where the test puts them (through the store).</param>
    /// <param name="configureOutbox">Outbox options on top of the test defaults.</param>
    /// <param name="map">Maps the dashboard (the default: <c>MapOutboxDashboard("/outbox")</c>); <see langword="null"/> result leaves it unmapped.</param>
    /// <param name="antiforgery">Whether <c>AddAntiforgery()</c> is called.</param>
    public static async Task<DashboardApp> StartAsync(
        bool relay = false,
        Action<OutboxOptions>? configureOutbox = null,
        Action<WebApplication>? map = null,
        bool antiforgery = true,
        Action<Outbox.Kafka.OutboxKafkaOptions>? configureKafka = null)
    {
        TestDatabase database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite, null);
        KafkaMockCluster kafka = KafkaMockCluster.Start(brokers: 1);
        kafka.CreateTopic(Topic, partitions: 1);
        try
        {
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development", ContentRootPath = AppContext.BaseDirectory });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddDbContext<TestDbContext>(o => database.Configure(o));
            builder.Services
                .AddOutbox(o =>
                {
                    o.RelayName = "dashboard-test";
                    o.EnableRelay = relay;
                    o.PollingInterval = TimeSpan.FromMilliseconds(200);
                    configureOutbox?.Invoke(o);
                })
                .UseEntityFrameworkCore<TestDbContext>()
                .UseKafka(k =>
                {
                    k.BootstrapServers = kafka.BootstrapServers;
                    configureKafka?.Invoke(k);
                });
            if (antiforgery)
            {
                builder.Services.AddAntiforgery();
            }

            builder.Services.AddAuthentication(RoleHeaderAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, RoleHeaderAuthentication>(RoleHeaderAuthentication.SchemeName, null);
            builder.Services.AddAuthorization(o => o.AddPolicy(OperatorsPolicy, p => p.RequireRole("ops")));

            WebApplication app = builder.Build();
            app.UseAuthentication();
            app.UseAuthorization();
            (map ?? (a => a.MapOutboxDashboard("/outbox")))(app);
            await app.StartAsync();
            var address = new Uri(app.Urls.First().TrimEnd('/') + "/");
            return new DashboardApp(app, database, kafka, address);
        }
        catch
        {
            kafka.Dispose();
            await database.DisposeAsync();
            throw;
        }
    }

    public HttpClient NewClient() => new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Commits raw messages (no key) in one transaction.</summary>
    public async Task<IReadOnlyList<OutboxMessage>> WriteAsync(int count, byte[]? payload = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        await using AsyncServiceScope scope = Services.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<IOutbox>();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var written = new List<OutboxMessage>();
        for (int i = 0; i < count; i++)
        {
            OutboxStagedMessage staged = outbox.AddRaw(Topic, null, payload ?? JsonSerializer.SerializeToUtf8Bytes(new { order = i }), "OrderPlaced", headers);
            written.Add(context.Set<OutboxMessage>().Find(staged.Id)!); // the row as the store will save it
        }

        await context.SaveChangesAsync();
        return written;
    }

    /// <summary>With the relay off: claims <paramref name="messages"/> and records them DEAD with <paramref name="error"/>, as a relay that gave up would.</summary>
    public async Task MarkDeadAsync(IReadOnlyList<OutboxMessage> messages, string error)
    {
        await using AsyncServiceScope scope = Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IOutboxStore>();
        IReadOnlyList<OutboxMessage> claimed = await store.ClaimAsync(new OutboxClaim("test", messages.Count, TimeSpan.FromMinutes(5), PreserveKeyOrder: false));
        claimed.Select(m => m.Id).Should().BeEquivalentTo(messages.Select(m => m.Id), "the test claims exactly the messages it marks");
        await store.RecordOutcomesAsync(claimed.Select(m => new OutboxOutcome(m.Id, "test", OutboxStatus.Dead, 5, TimeSpan.Zero, error)).ToList());
    }

    /// <summary>With the relay off: claims up to <paramref name="count"/> messages (they move to PUBLISH).</summary>
    public async Task ClaimAsync(int count)
    {
        await using AsyncServiceScope scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IOutboxStore>().ClaimAsync(new OutboxClaim("test", count, TimeSpan.FromMinutes(5), PreserveKeyOrder: false));
    }

    /// <summary>Reads one row straight from the database (not through the dashboard).</summary>
    public async Task<OutboxMessage> ReadRowAsync(Guid id)
    {
        await using TestDbContext context = Database.CreateContext();
        return await context.Set<OutboxMessage>().FindAsync(id) ?? throw new InvalidOperationException($"No row {id}.");
    }

    /// <summary>Fetches the antiforgery token with <paramref name="client"/> (which keeps the cookie).</summary>
    public static async Task<(string HeaderName, string Token)> GetAntiforgeryAsync(HttpClient client)
    {
        JsonElement token = await client.GetFromJsonAsync<JsonElement>("outbox/api/antiforgery");
        return (token.GetProperty("headerName").GetString()!, token.GetProperty("token").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        Kafka.Dispose();
        await Database.DisposeAsync();
    }

    /// <summary>Signs the caller in when the request has <see cref="RoleHeader"/>, with that role.</summary>
    private sealed class RoleHeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "TestRole";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(RoleHeader, out var role))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator"), new Claim(ClaimTypes.Role, role.ToString())], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}
