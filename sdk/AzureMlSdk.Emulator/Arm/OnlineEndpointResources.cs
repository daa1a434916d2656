using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// The ARM shapes of online endpoints and deployments (api-version 2026-07-01): reading and checking request bodies (400
/// <c>ValidationError</c> naming the field), the settings a stored deployment gives the local host, and the resources as served.
/// </summary>
internal static partial class OnlineEndpointResources
{
    public const string EndpointType = ArmEndpoints.Provider + "/workspaces/onlineEndpoints";
    public const string DeploymentType = ArmEndpoints.Provider + "/workspaces/onlineEndpoints/deployments";

    private const string KeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Fields the service sets: dropped from a PUT body.</summary>
    private static readonly string[] EndpointReadOnly = ["scoringUri", "swaggerUri", "provisioningState", "keys"];

    [GeneratedRegex(@"^(?:azureml:)?/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)/providers/Microsoft\.MachineLearningServices/workspaces/(?<ws>[^/]+)/models/(?<name>[^/]+)/versions/(?<version>[^/]+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ModelIdRegex();

    [GeneratedRegex(@"^azureml:(?<name>[^:/@]+):(?<version>[^:/@]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex ModelShortRegex();

    public static ArmException Invalid(string message, string target) => new(400, "ValidationError", message, target);

    /// <summary>A new endpoint key (as Azure ML's: 32 letters and digits).</summary>
    public static string NewKey() => RandomNumberGenerator.GetString(KeyAlphabet, 32);

    // ------------------------------------------------------------------ reading bodies

    public static string? OptionalString(JsonNode? node, string target) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw Invalid($"'{target}' must be a string.", target),
    };

    public static int? OptionalInt(JsonNode? node, string target) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<long>(out _) || v.TryGetValue<double>(out _) => throw Invalid($"'{target}' must be a 32-bit whole number.", target),
        _ => throw Invalid($"'{target}' must be a whole number.", target),
    };

    public static JsonObject? OptionalObject(JsonNode? node, string target) => node switch
    {
        null => null,
        JsonObject o => o,
        _ => throw Invalid($"'{target}' must be an object.", target),
    };

    /// <summary>A string map (tags, environment variables, properties); null values kept as empty strings.</summary>
    public static JsonObject? StringMap(JsonNode? node, string target)
    {
        var map = OptionalObject(node, target);
        if (map is null)
        {
            return null;
        }
        var result = new JsonObject();
        foreach (var (key, value) in map)
        {
            result[key] = OptionalString(value, $"{target}.{key}") ?? string.Empty;
        }
        return result;
    }

    /// <summary>ISO 8601 duration (<c>PT5S</c>).</summary>
    public static TimeSpan? OptionalDuration(JsonNode? node, string target)
    {
        var text = OptionalString(node, target);
        if (text is null)
        {
            return null;
        }
        try
        {
            return XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            throw Invalid($"'{target}' is '{text}', not an ISO 8601 duration such as PT5S.", target);
        }
    }

    /// <summary>
    /// The auth mode of an endpoint PUT: <c>Key</c>, <c>AMLToken</c> or <c>AADToken</c> (spelled as the spec does). An AADToken endpoint
    /// takes the Emulator's bearer token, the Emulator's stand-in for a Microsoft Entra token.
    /// </summary>
    public static string AuthMode(JsonNode? node)
    {
        var mode = OptionalString(node, "properties.authMode")
            ?? throw Invalid("'properties.authMode' is required: Key, AMLToken or AADToken.", "properties.authMode");
        return mode.ToUpperInvariant() switch
        {
            "KEY" => "Key",
            "AMLTOKEN" => "AMLToken",
            "AADTOKEN" => "AADToken",
            _ => throw Invalid($"'properties.authMode' is '{mode}'; use Key, AMLToken or AADToken.", "properties.authMode"),
        };
    }

    /// <summary>
    /// A traffic split checked against the endpoint's deployments (ARM's rules: known deployments, weights 0 to 100 summing to
    /// 100 or all 0, and only a Succeeded deployment may gain traffic; one being updated keeps its <paramref name="current"/> share,
    /// as its previous version serves meanwhile); keyed by the deployments' own spelling.
    /// </summary>
    public static Dictionary<string, int> Traffic(JsonNode? node, string endpointName, IReadOnlyDictionary<string, DeploymentDocument> deployments, IReadOnlyDictionary<string, int> current)
    {
        var map = OptionalObject(node, "properties.traffic");
        var raw = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, weight) in map ?? [])
        {
            raw[name] = OptionalInt(weight, $"properties.traffic.{name}") ?? 0;
        }
        Dictionary<string, int> resolved;
        try
        {
            resolved = EndpointTraffic.Resolve(endpointName, raw, deployments.Values.Select(d => d.Name).ToList(), "traffic");
        }
        catch (InvalidInputException ex)
        {
            throw Invalid(ex.Message, "properties.traffic");
        }
        foreach (var (name, weight) in resolved)
        {
            var state = deployments[name].ProvisioningState;
            if (weight > current.GetValueOrDefault(name) && state != "Succeeded")
            {
                throw Invalid($"Deployment '{name}' is {state} and cannot take more traffic; only a Succeeded deployment can.", "properties.traffic");
            }
        }
        return resolved;
    }

    /// <summary>The endpoint resource to keep from a PUT body (read-only fields dropped, traffic as resolved).</summary>
    public static JsonObject EndpointResource(JsonObject body, JsonObject properties, string authMode, Dictionary<string, int> traffic, string location)
    {
        var kept = (JsonObject)properties.DeepClone();
        foreach (var field in EndpointReadOnly)
        {
            kept.Remove(field);
        }
        kept["authMode"] = authMode;
        kept["traffic"] = TrafficJson(traffic);
        if (StringMap(kept["properties"], "properties.properties") is { } bag)
        {
            kept["properties"] = bag;
        }
        OptionalString(kept["description"], "properties.description");
        var resource = new JsonObject { ["location"] = location };
        CopyTrackedFields(body, resource);
        resource["properties"] = kept;
        return resource;
    }

    public static JsonObject TrafficJson(IReadOnlyDictionary<string, int> traffic)
    {
        var json = new JsonObject();
        foreach (var (name, weight) in traffic)
        {
            json[name] = weight;
        }
        return json;
    }

    /// <summary>Copies <c>tags</c>, <c>kind</c>, <c>identity</c> (without the service's ids) and <c>sku</c> of a tracked resource body.</summary>
    public static void CopyTrackedFields(JsonObject body, JsonObject resource)
    {
        if (StringMap(body["tags"], "tags") is { } tags)
        {
            resource["tags"] = tags;
        }
        if (OptionalString(body["kind"], "kind") is { } kind)
        {
            resource["kind"] = kind;
        }
        if (OptionalObject(body["identity"], "identity") is { } identity)
        {
            var kept = (JsonObject)identity.DeepClone();
            _ = OptionalString(kept["type"], "identity.type") ?? throw Invalid("'identity.type' is required when 'identity' is given.", "identity.type");
            kept.Remove("principalId");
            kept.Remove("tenantId");
            resource["identity"] = kept;
        }
        if (OptionalObject(body["sku"], "sku") is { } sku)
        {
            resource["sku"] = sku.DeepClone();
        }
    }

    /// <summary>The model version a deployment's <c>model</c> names: its ARM id (optionally prefixed <c>azureml:</c>) or <c>azureml:name:version</c>.</summary>
    public static (string Name, int Version) ModelReference(string? model, EmulatorWorkspace ws)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            throw Invalid("'properties.model' is required: the ARM id of a model version of this workspace (…/models/<name>/versions/<version>) or azureml:<name>:<version>.", "properties.model");
        }
        var match = ModelIdRegex().Match(model);
        if (match.Success)
        {
            if (!string.Equals(match.Groups["sub"].Value, ws.SubscriptionId, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(match.Groups["rg"].Value, ws.ResourceGroup, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(match.Groups["ws"].Value, ws.Name, StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid($"'properties.model' '{model}' is a model of another workspace; the Emulator deploys models of the endpoint's own workspace '{ws.Name}'.", "properties.model");
            }
        }
        else
        {
            match = ModelShortRegex().Match(model);
        }
        if (!match.Success)
        {
            throw Invalid($"'properties.model' '{model}' is not a model version reference: use the ARM id …/models/<name>/versions/<version> or azureml:<name>:<version> (registries are not served).", "properties.model");
        }
        var version = match.Groups["version"].Value;
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            throw Invalid($"'properties.model' names version '{version}'; the Emulator deploys numbered versions (1, 2, …).", "properties.model");
        }
        return (match.Groups["name"].Value, number);
    }

    /// <summary>Checks a deployment PUT body and returns the resource to keep (read-only fields dropped).</summary>
    public static JsonObject DeploymentResource(JsonObject body, JsonObject properties, string location, EmulatorWorkspace ws, string name)
    {
        var computeType = OptionalString(properties["endpointComputeType"], "properties.endpointComputeType")
            ?? throw Invalid("'properties.endpointComputeType' is required (Managed).", "properties.endpointComputeType");
        if (!string.Equals(computeType, "Managed", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid($"Deployments of compute type '{computeType}' are not served by the Emulator; use Managed.", "properties.endpointComputeType");
        }
        if (properties["codeConfiguration"] is JsonObject)
        {
            throw Invalid("A scoring script (properties.codeConfiguration) cannot run in the Emulator: it serves ONNX models with ONNX Runtime, without a container. Deploy an ONNX model without codeConfiguration.", "properties.codeConfiguration");
        }
        var kept = (JsonObject)properties.DeepClone();
        kept.Remove("provisioningState");
        kept["endpointComputeType"] = "Managed";
        var resource = new JsonObject { ["location"] = location };
        CopyTrackedFields(body, resource);
        resource["properties"] = kept;
        _ = DeploymentSpec(ws, name, resource); // every setting the host takes must read
        return resource;
    }

    /// <summary>The local host's settings of a stored (or just checked) deployment resource.</summary>
    public static OnlineDeploymentSpec DeploymentSpec(EmulatorWorkspace ws, string name, JsonObject resource)
    {
        var p = resource["properties"] as JsonObject ?? [];
        var (modelName, version) = ModelReference(OptionalString(p["model"], "properties.model"), ws);
        var capacity = OptionalInt(OptionalObject(resource["sku"], "sku")?["capacity"], "sku.capacity") ?? 1;
        if (capacity < 1)
        {
            throw Invalid($"'sku.capacity' is {capacity}; a deployment needs at least 1 instance.", "sku.capacity");
        }
        var defaults = new OnlineRequestSettings();
        var request = OptionalObject(p["requestSettings"], "properties.requestSettings");
        var settings = new OnlineRequestSettings
        {
            MaxConcurrentRequestsPerInstance = OptionalInt(request?["maxConcurrentRequestsPerInstance"], "properties.requestSettings.maxConcurrentRequestsPerInstance") ?? defaults.MaxConcurrentRequestsPerInstance,
            RequestTimeout = OptionalDuration(request?["requestTimeout"], "properties.requestSettings.requestTimeout") ?? defaults.RequestTimeout,
        };
        OptionalDuration(request?["maxQueueWait"], "properties.requestSettings.maxQueueWait");
        var environment = StringMap(p["environmentVariables"], "properties.environmentVariables");
        try
        {
            settings.Validate("properties.requestSettings");
            var spec = new OnlineDeploymentSpec(name, modelName, version)
            {
                InstanceCount = capacity,
                InstanceType = OptionalString(p["instanceType"], "properties.instanceType"),
                Description = OptionalString(p["description"], "properties.description"),
                RequestSettings = settings,
                EnvironmentVariables = environment?.ToDictionary(e => e.Key, e => e.Value!.GetValue<string>(), StringComparer.Ordinal),
                LivenessProbe = Probe(p["livenessProbe"], "properties.livenessProbe"),
                ReadinessProbe = Probe(p["readinessProbe"], "properties.readinessProbe"),
            };
            spec.Validate();
            return spec;
        }
        catch (InvalidInputException ex)
        {
            throw Invalid(ex.Message, ex.ParameterName ?? "properties");
        }
    }

    private static ProbeSettings? Probe(JsonNode? node, string target)
    {
        var probe = OptionalObject(node, target);
        if (probe is null)
        {
            return null;
        }
        var defaults = new ProbeSettings();
        return new ProbeSettings
        {
            FailureThreshold = OptionalInt(probe["failureThreshold"], target + ".failureThreshold") ?? defaults.FailureThreshold,
            SuccessThreshold = OptionalInt(probe["successThreshold"], target + ".successThreshold") ?? defaults.SuccessThreshold,
            InitialDelay = OptionalDuration(probe["initialDelay"], target + ".initialDelay"),
            Period = OptionalDuration(probe["period"], target + ".period") ?? defaults.Period,
            Timeout = OptionalDuration(probe["timeout"], target + ".timeout") ?? defaults.Timeout,
        };
    }

    // ------------------------------------------------------------------ serving

    public static string EndpointId(EmulatorWorkspace ws, string name) => $"{ws.ResourceId}/onlineEndpoints/{name}";

    public static JsonObject Endpoint(EmulatorWorkspace ws, EndpointDocument document)
    {
        var stored = document.Resource;
        var properties = (JsonObject)(stored["properties"]?.DeepClone() ?? new JsonObject());
        properties["traffic"] ??= new JsonObject();
        properties["publicNetworkAccess"] ??= "Enabled";
        SetOrRemove(properties, "scoringUri", document.ScoringUri);
        SetOrRemove(properties, "swaggerUri", document.SwaggerUri);
        properties["provisioningState"] = document.ProvisioningState;
        return Tracked(EndpointId(ws, document.Name), document.Name, EndpointType, stored, document.CreatedAt, document.ModifiedAt, properties);
    }

    public static JsonObject Deployment(EmulatorWorkspace ws, EndpointDocument endpoint, DeploymentDocument document)
    {
        var stored = document.Resource;
        var properties = (JsonObject)(stored["properties"]?.DeepClone() ?? new JsonObject());
        properties["scaleSettings"] ??= new JsonObject { ["scaleType"] = "Default" };
        properties["provisioningState"] = document.ProvisioningState;
        var resource = Tracked($"{EndpointId(ws, endpoint.Name)}/deployments/{document.Name}", document.Name, DeploymentType, stored, document.CreatedAt, document.ModifiedAt, properties);
        resource["sku"] ??= new JsonObject { ["name"] = "Default", ["capacity"] = 1 };
        return resource;
    }

    /// <summary>A tracked resource as served: id, name, type, the stored tracked fields, systemData and <paramref name="properties"/>.</summary>
    public static JsonObject Tracked(string id, string name, string type, JsonObject stored, DateTimeOffset created, DateTimeOffset modified, JsonObject properties)
    {
        var resource = new JsonObject
        {
            ["id"] = id,
            ["name"] = name,
            ["type"] = type,
            ["location"] = stored["location"]?.DeepClone(),
            ["tags"] = stored["tags"]?.DeepClone() ?? new JsonObject(),
        };
        foreach (var field in new[] { "kind", "identity", "sku" })
        {
            if (stored[field] is { } value)
            {
                resource[field] = value.DeepClone();
            }
        }
        resource["systemData"] = ArmEndpoints.SystemData(created, modified);
        resource["properties"] = properties;
        return resource;
    }

    private static void SetOrRemove(JsonObject json, string name, string? value)
    {
        if (value is null)
        {
            json.Remove(name);
        }
        else
        {
            json[name] = value;
        }
    }
}
