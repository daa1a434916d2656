using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>An online endpoint as the Emulator keeps it: the ARM resource as PUT, its state, keys and where it is served.</summary>
internal sealed class EndpointDocument
{
    public string Name { get; set; } = "";

    /// <summary><c>location</c>, <c>tags</c>, <c>kind</c>, <c>identity</c>, <c>sku</c> and <c>properties</c> as PUT (read-only fields removed).</summary>
    public JsonObject Resource { get; set; } = [];

    public string ProvisioningState { get; set; } = "Creating";

    /// <summary>Raised by every change request; an operation only settles the state of the generation it was started for.</summary>
    public long Generation { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ModifiedAt { get; set; }

    public string PrimaryKey { get; set; } = "";

    public string SecondaryKey { get; set; } = "";

    /// <summary>The hosted scoring URI (its port is asked for again when the Emulator restarts).</summary>
    public string? ScoringUri { get; set; }

    public string? SwaggerUri { get; set; }

    public Dictionary<string, DeploymentDocument> Deployments { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The traffic split (<c>properties.traffic</c>), keyed by the deployments' own spelling.</summary>
    [JsonIgnore]
    public Dictionary<string, int> Traffic
    {
        get
        {
            var traffic = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            if (Resource["properties"]?["traffic"] is JsonObject t)
            {
                foreach (var (name, weight) in t)
                {
                    traffic[name] = weight?.GetValue<int>() ?? 0;
                }
            }
            return traffic;
        }
    }

    /// <summary>The auth mode (<c>properties.authMode</c>): <c>Key</c> or <c>AMLToken</c>.</summary>
    [JsonIgnore]
    public string AuthMode => Resource["properties"]?["authMode"]?.GetValue<string>() ?? "Key";

    /// <summary>The region, for the operation URLs.</summary>
    [JsonIgnore]
    public string Location => Resource["location"]?.GetValue<string>() ?? "local";
}

/// <summary>A deployment as the Emulator keeps it.</summary>
internal sealed class DeploymentDocument
{
    public string Name { get; set; } = "";

    /// <summary><c>location</c>, <c>tags</c>, <c>kind</c>, <c>identity</c>, <c>sku</c> and <c>properties</c> as PUT (read-only fields removed).</summary>
    public JsonObject Resource { get; set; } = [];

    public string ProvisioningState { get; set; } = "Creating";

    public long Generation { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ModifiedAt { get; set; }

    /// <summary>Why the last operation failed (kept across restarts, when the host's own log is gone).</summary>
    public string? Error { get; set; }
}

/// <summary>
/// A workspace's online endpoints and deployments, one JSON file per endpoint under <c>&lt;workspace&gt;/online-endpoints/</c>
/// (written whole to a temporary file, then moved), cached in memory. Callers get copies; changes go through
/// <see cref="Change{TResult}"/>, which checks and writes under one lock.
/// </summary>
internal sealed class OnlineEndpointStore
{
    private readonly string _folder;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, EndpointDocument> _documents = new(StringComparer.OrdinalIgnoreCase);

    public OnlineEndpointStore(string workspaceFolder)
    {
        _folder = Path.Combine(workspaceFolder, "online-endpoints");
        if (!Directory.Exists(_folder))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(_folder, "*.json"))
        {
            EndpointDocument? document;
            try
            {
                document = JsonSerializer.Deserialize(File.ReadAllText(file), OnlineEndpointJsonContext.Default.EndpointDocument);
            }
            catch (JsonException)
            {
                // Kept aside rather than lost or retried at every start; the endpoint is no longer served.
                File.Move(file, file + ".unreadable", overwrite: true);
                continue;
            }
            if (document is { Name.Length: > 0 })
            {
                _documents[document.Name] = Normalize(document);
            }
        }
    }

    /// <summary>True when the workspace folder holds endpoints to host again.</summary>
    public static bool HasAny(string workspaceFolder)
    {
        var folder = Path.Combine(workspaceFolder, "online-endpoints");
        return Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.json").Any();
    }

    /// <summary>Copies of every endpoint, by name.</summary>
    public IReadOnlyList<EndpointDocument> List()
    {
        lock (_gate)
        {
            return _documents.Values.OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Select(Copy).ToList();
        }
    }

    /// <summary>A copy of an endpoint, or null.</summary>
    public EndpointDocument? Get(string name)
    {
        lock (_gate)
        {
            return _documents.TryGetValue(name, out var document) ? Copy(document) : null;
        }
    }

    /// <summary>
    /// Reads, checks and changes one endpoint atomically: <paramref name="change"/> gets a copy (null when absent) and returns the
    /// document to keep (null removes it) and a result. An exception leaves everything as it was.
    /// </summary>
    public TResult Change<TResult>(string name, Func<EndpointDocument?, (EndpointDocument? After, TResult Result)> change)
    {
        lock (_gate)
        {
            var before = _documents.TryGetValue(name, out var current) ? Copy(current) : null;
            var (after, result) = change(before);
            var file = Path.Combine(_folder, name.ToLowerInvariant() + ".json");
            if (after is null)
            {
                if (_documents.Remove(name) && File.Exists(file))
                {
                    File.Delete(file);
                }
                return result;
            }
            Directory.CreateDirectory(_folder);
            var temp = file + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(after, OnlineEndpointJsonContext.Default.EndpointDocument));
            File.Move(temp, file, overwrite: true);
            _documents[after.Name] = Copy(after);
            return result;
        }
    }

    /// <summary>Changes an endpoint that may have gone meanwhile (then nothing happens).</summary>
    public void Update(string name, Action<EndpointDocument> change) =>
        Change<bool>(name, d =>
        {
            if (d is null)
            {
                return (null, false);
            }
            change(d);
            return (d, true);
        });

    private static EndpointDocument Copy(EndpointDocument document) =>
        Normalize(JsonSerializer.Deserialize(JsonSerializer.Serialize(document, OnlineEndpointJsonContext.Default.EndpointDocument), OnlineEndpointJsonContext.Default.EndpointDocument)!);

    private static EndpointDocument Normalize(EndpointDocument document)
    {
        document.Deployments = new Dictionary<string, DeploymentDocument>(document.Deployments ?? [], StringComparer.OrdinalIgnoreCase);
        return document;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EndpointDocument))]
internal sealed partial class OnlineEndpointJsonContext : JsonSerializerContext;
