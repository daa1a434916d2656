using System.Text.Json.Serialization;

namespace AzureMlSdk.Backends.Local;

/// <summary>JSON the local job engine keeps in text columns (tags, properties, output URIs).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string))]
internal sealed partial class LocalJobsJsonContext : JsonSerializerContext;
