using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Jobs.Yaml;

/// <summary>
/// az ml v2 YAML of endpoints and deployments (<c>managedOnlineEndpoint</c>, <c>managedOnlineDeployment</c>, <c>batchEndpoint</c>,
/// <c>modelBatchDeployment</c> / <c>batchDeployment</c> schemas) → the SDK's specs, with the job readers' errors (file, line, column, key).
/// Keys az ml accepts that have no effect on these backends (identity, network settings, app insights…) are read and ignored;
/// scoring scripts (<c>code_configuration</c>) are refused: deployments serve ONNX models.
/// </summary>
internal static class EndpointYaml
{
    private static readonly string[] OnlineEndpointKeys =
        ["$schema", "name", "description", "tags", "properties", "auth_mode", "traffic", "mirror_traffic", "identity", "public_network_access", "kind", "compute"];

    private static readonly string[] OnlineDeploymentKeys =
        ["$schema", "name", "endpoint_name", "type", "description", "tags", "properties", "model", "code_configuration", "environment", "instance_type", "instance_count",
         "request_settings", "liveness_probe", "readiness_probe", "environment_variables", "app_insights_enabled", "scale_settings", "egress_public_network_access",
         "data_collector", "model_mount_path", "startup_probe", "private_network_connection"];

    private static readonly string[] BatchEndpointKeys = ["$schema", "name", "description", "tags", "properties", "auth_mode", "defaults"];

    private static readonly string[] BatchSettingKeys =
        ["mini_batch_size", "max_concurrency_per_instance", "output_action", "output_file_name", "error_threshold", "retry_settings", "logging_level", "environment_variables"];

    private static readonly string[] BatchDeploymentKeys =
        ["$schema", "name", "endpoint_name", "type", "description", "tags", "properties", "model", "code_configuration", "environment", "compute", "resources", "settings",
         .. BatchSettingKeys];

    private static readonly string[] ModelKeys = ["name", "version", "path", "type", "description", "tags"];

    private static readonly Dictionary<string, EndpointAuthMode> OnlineAuthModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["key"] = EndpointAuthMode.Key,
        ["aml_token"] = EndpointAuthMode.AmlToken,
        ["aad_token"] = EndpointAuthMode.AadToken,
    };

    private static YamlMap Root(YamlContext context, YamlNode root, IEnumerable<string>? set, string what, string[] keys)
    {
        if (set is not null)
        {
            root = Overrides.Apply(context, root, set);
        }
        if (root is not YamlMappingNode)
        {
            throw new JobDefinitionException($"{what} file must be a YAML mapping (name: …), not {YamlContext.Describe(root)}.", context.FilePath, (int)root.Start.Line, (int)root.Start.Column);
        }
        return context.Mapping(root, "", what, keys)!;
    }

    /// <summary>A name checked with the SDK's rule, reported at its line when invalid.</summary>
    private static string? Name(YamlMap map, string key, Func<string, string> validate)
    {
        if (map.RequiredString(key) is not { } name)
        {
            return null;
        }
        try
        {
            return validate(name);
        }
        catch (InvalidInputException ex)
        {
            map.Report(key, ex.Message);
            return null;
        }
    }

    public static OnlineEndpointSpec ReadOnlineEndpoint(YamlContext context, YamlNode node, IEnumerable<string>? set)
    {
        var map = Root(context, node, set, "an online endpoint", OnlineEndpointKeys);
        var name = Name(map, "name", n => Validate.EndpointName(n));
        if (map.String("kind") is { } kind && !string.Equals(kind, "managed", StringComparison.OrdinalIgnoreCase))
        {
            map.Report("kind", $"'kind: {kind}' is not supported; online endpoints here are managed endpoints.");
        }
        var auth = map.Enum("auth_mode", OnlineAuthModes);
        var traffic = ReadTraffic(map);
        var description = map.String("description");
        var tags = map.StringMap("tags");
        context.ThrowIfProblems();
        return new OnlineEndpointSpec(name!)
        {
            AuthMode = auth ?? EndpointAuthMode.Key,
            Description = description,
            Tags = tags.Count > 0 ? tags : null,
            Traffic = traffic,
        };
    }

    private static Dictionary<string, int>? ReadTraffic(YamlMap map)
    {
        if (!map.Has("traffic") || map.Get("traffic") is YamlScalarNode s && YamlScalars.Value(s) is null)
        {
            return null;
        }
        var traffic = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (deployment, keyNode, value) in map.Entries("traffic"))
        {
            if (value is YamlScalarNode v && int.TryParse(v.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var percent) && percent <= 100)
            {
                traffic[deployment] = percent;
            }
            else
            {
                map.Context.Report(value, $"{map.Sub("traffic")}.{deployment}", $"'traffic.{deployment}' must be a percentage from 0 to 100, not {(value is YamlScalarNode t ? $"'{t.Value}'" : YamlContext.Describe(value))}.");
            }
        }
        var sum = traffic.Values.Sum();
        if (traffic.Count > 0 && sum != 100 && sum != 0)
        {
            map.Report("traffic", $"'traffic' must add up to 100 (or be all zero); it adds up to {sum}.");
        }
        return traffic;
    }

    public static OnlineDeploymentDefinition ReadOnlineDeployment(YamlContext context, YamlNode node, IEnumerable<string>? set)
    {
        var map = Root(context, node, set, "an online deployment", OnlineDeploymentKeys);
        var name = Name(map, "name", n => Validate.DeploymentName(n));
        var endpoint = map.String("endpoint_name") is { } e ? Name(map, "endpoint_name", n => Validate.EndpointName(n)) : null;
        if (map.String("type") is { } type && !string.Equals(type, "managed", StringComparison.OrdinalIgnoreCase))
        {
            map.Report("type", $"'type: {type}' is not supported; online deployments here are managed deployments.");
        }
        RefuseCode(map);
        var (model, modelName) = ReadModel(map);
        var instanceCount = map.Int("instance_count", 1, 1000);
        RequestSettingsFrom(map, out var requestSettings);
        var liveness = Probe(map, "liveness_probe");
        var readiness = Probe(map, "readiness_probe");
        var env = map.StringMap("environment_variables");
        var definition = new OnlineDeploymentDefinition
        {
            Name = name ?? "",
            EndpointName = endpoint,
            Model = model!,
            ModelName = modelName,
            InstanceCount = instanceCount ?? 1,
            InstanceType = map.String("instance_type"),
            RequestSettings = requestSettings,
            LivenessProbe = liveness,
            ReadinessProbe = readiness,
            EnvironmentVariables = env.Count > 0 ? env : null,
            Description = map.String("description"),
            SourceDirectory = context.BaseDirectory,
        };
        context.ThrowIfProblems();
        return definition;
    }

    private static void RefuseCode(YamlMap map)
    {
        if (map.Has("code_configuration") && map.Get("code_configuration") is not YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            map.Report("code_configuration", "scoring scripts (code_configuration) are not run by AzureMlSdk's endpoints: deploy a model with one .onnx file and leave code_configuration and environment out.");
        }
    }

    private static (AssetReference? Model, string? Name) ReadModel(YamlMap map)
    {
        switch (map.Get("model"))
        {
            case null:
                map.Context.Report(map.Node, "model", "a deployment needs 'model' (azureml:<name>:<version>, azureml:<name>@latest, or a mapping with path).");
                return (null, null);
            case YamlScalarNode s when s.Value is { Length: > 0 } text:
                var reference = AssetReference.Parse(text.Contains(':', StringComparison.Ordinal) || text.Contains('@', StringComparison.Ordinal) ? (text.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) ? text : "azureml:" + text) : text);
                if (reference.Kind is not (AssetReferenceKind.Asset or AssetReferenceKind.LocalPath))
                {
                    map.Report("model", $"'model: {text}' must be azureml:<name>:<version>, azureml:<name>@<label>, or a local path.");
                    return (null, null);
                }
                if (reference.Kind == AssetReferenceKind.Asset && reference.Version is null && reference.Label is null)
                {
                    map.Report("model", $"'model: {text}' names no version: write azureml:{reference.Name}:<version> or azureml:{reference.Name}@latest.");
                    return (null, null);
                }
                if (reference.Kind == AssetReferenceKind.Asset && reference.Version is { } v && !int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    map.Report("model", $"'model: {text}': version '{v}' is not a number.");
                    return (null, null);
                }
                return reference.Kind == AssetReferenceKind.LocalPath
                    ? (reference with { Path = map.Context.ResolvePath(reference.Path!) }, null)
                    : (reference, null);
            case YamlMappingNode:
                var inline = map.Map("model", "an inline model", ModelKeys)!;
                if (inline.String("type") is { } t && t != "custom_model")
                {
                    inline.Report("type", $"model type '{t}' is not supported; models are registered as custom_model.");
                }
                var path = inline.RequiredString("path");
                var name = inline.String("name");
                if (name is not null)
                {
                    try
                    {
                        Validate.ModelName(name);
                    }
                    catch (InvalidInputException ex)
                    {
                        inline.Report("name", ex.Message);
                    }
                }
                return path is null ? (null, null) : (new AssetReference { Text = path, Kind = AssetReferenceKind.LocalPath, Path = map.Context.ResolvePath(path) }, name);
            default:
                map.Report("model", $"'model' must be a reference (azureml:<name>:<version>) or a mapping with path, not {YamlContext.Describe(map.Get("model")!)}.");
                return (null, null);
        }
    }

    private static void RequestSettingsFrom(YamlMap map, out OnlineRequestSettings settings)
    {
        settings = new OnlineRequestSettings();
        if (map.Map("request_settings", "request settings", ["request_timeout_ms", "max_concurrent_requests_per_instance", "max_queue_wait_ms"]) is { } r)
        {
            var timeout = r.Long("request_timeout_ms", 1, 180_000);
            var concurrency = r.Int("max_concurrent_requests_per_instance", 1, 1000);
            settings = new OnlineRequestSettings
            {
                RequestTimeout = timeout is { } ms ? TimeSpan.FromMilliseconds(ms) : settings.RequestTimeout,
                MaxConcurrentRequestsPerInstance = concurrency ?? settings.MaxConcurrentRequestsPerInstance,
            };
        }
    }

    private static ProbeSettings? Probe(YamlMap map, string key)
    {
        if (map.Map(key, key.Replace('_', ' '), ["initial_delay", "period", "timeout", "success_threshold", "failure_threshold", "method", "path", "port", "scheme"]) is not { } p)
        {
            return null;
        }
        var defaults = new ProbeSettings();
        return new ProbeSettings
        {
            InitialDelay = p.Int("initial_delay", 0) is { } d ? TimeSpan.FromSeconds(d) : null,
            Period = p.Int("period", 1) is { } period ? TimeSpan.FromSeconds(period) : defaults.Period,
            Timeout = p.Int("timeout", 1) is { } t ? TimeSpan.FromSeconds(t) : defaults.Timeout,
            SuccessThreshold = p.Int("success_threshold", 1) ?? defaults.SuccessThreshold,
            FailureThreshold = p.Int("failure_threshold", 1) ?? defaults.FailureThreshold,
        };
    }

    public static BatchEndpointSpec ReadBatchEndpoint(YamlContext context, YamlNode node, IEnumerable<string>? set)
    {
        var map = Root(context, node, set, "a batch endpoint", BatchEndpointKeys);
        var name = Name(map, "name", n => Validate.EndpointName(n));
        if (map.String("auth_mode") is { } auth && !string.Equals(auth, "aad_token", StringComparison.OrdinalIgnoreCase))
        {
            map.Report("auth_mode", $"batch endpoints take 'auth_mode: aad_token' only, not '{auth}'.");
        }
        _ = map.Map("defaults", "batch endpoint defaults", ["deployment_name"]);
        var description = map.String("description");
        context.ThrowIfProblems();
        return new BatchEndpointSpec(name!) { Description = description };
    }

    public static BatchDeploymentDefinition ReadBatchDeployment(YamlContext context, YamlNode node, IEnumerable<string>? set)
    {
        var map = Root(context, node, set, "a batch deployment", BatchDeploymentKeys);
        var name = Name(map, "name", n => Validate.DeploymentName(n));
        var endpoint = map.String("endpoint_name") is not null ? Name(map, "endpoint_name", n => Validate.EndpointName(n)) : null;
        if (map.String("type") is { } type && !string.Equals(type, "model", StringComparison.OrdinalIgnoreCase))
        {
            map.Report("type", $"'type: {type}' is not supported; batch deployments here are model deployments (type: model).");
        }
        RefuseCode(map);
        var (model, modelName) = ReadModel(map);
        // az ml reads the settings at the top level (older schema) or under 'settings'.
        var settings = map.Map("settings", "batch deployment settings", BatchSettingKeys) ?? map;
        var miniBatch = settings.Int("mini_batch_size", 1);
        var concurrency = settings.Int("max_concurrency_per_instance", 1);
        var threshold = settings.Int("error_threshold", -1);
        var output = settings.String("output_file_name");
        if (settings.String("output_action") is { } action && !string.Equals(action, "append_row", StringComparison.OrdinalIgnoreCase))
        {
            settings.Report("output_action", $"output_action '{action}' is not supported; predictions are appended to one file (append_row).");
        }
        _ = settings.Get("retry_settings");
        var definition = new BatchDeploymentDefinition
        {
            Name = name ?? "",
            EndpointName = endpoint,
            Model = model!,
            ModelName = modelName,
            MiniBatchSize = miniBatch ?? 10,
            MaxConcurrency = concurrency ?? 2,
            ErrorThreshold = threshold ?? -1,
            OutputFileName = output ?? "predictions.jsonl",
            Compute = map.String("compute") is { } compute ? (compute.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) ? compute["azureml:".Length..] : compute) : null,
            Description = map.String("description"),
            SourceDirectory = context.BaseDirectory,
        };
        context.ThrowIfProblems();
        return definition;
    }
}
