using System.Text.Json;
using System.Text.Json.Serialization;

namespace Outbox.AspNetCore.Dashboard;

/// <summary>Source-generated JSON for the dashboard's endpoints: camelCase, whatever the application's own JSON options say.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SummaryResponse))]
[JsonSerializable(typeof(DeadResponse))]
[JsonSerializable(typeof(MessageResponse))]
[JsonSerializable(typeof(ThroughputResponse))]
[JsonSerializable(typeof(AntiforgeryResponse))]
[JsonSerializable(typeof(RequeueRequest))]
[JsonSerializable(typeof(RequeueResponse))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
