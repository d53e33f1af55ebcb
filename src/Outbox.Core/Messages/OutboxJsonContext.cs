using System.Text.Json.Serialization;

namespace Outbox.Messages;

/// <summary>Source-generated JSON for the header column (no reflection on the hot path).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class OutboxJsonContext : JsonSerializerContext;
