using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Jobs.Yaml;

/// <summary>
/// Asset definitions as az ml's spec JSON (the YAML file's keys, as JSON): how the local workspace stores data, environment
/// and component versions, and — for components — ARM's <c>componentSpec</c> (which is exactly that document). Components are
/// read back through the YAML reader (JSON is YAML), so a stored or served spec is checked as strictly as a file.
/// </summary>
internal static class AssetSpecs
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    // ------------------------------------------------------------------ data

    public static JsonObject ToSpec(DataAsset data)
    {
        var spec = new JsonObject
        {
            ["name"] = data.Name,
            ["version"] = data.Version,
            ["type"] = YamlNames.Of(data.Type),
            ["path"] = data.Path,
        };
        AddCommon(spec, data.Description, data.Tags, data.Properties);
        if (data.Datastore is not null)
        {
            spec["datastore"] = data.Datastore;
        }
        return spec;
    }

    public static DataAsset DataFromSpec(JsonObject spec) => new()
    {
        Name = Text(spec, "name") ?? "",
        Version = Text(spec, "version"),
        Type = YamlNames.InputTypes.TryGetValue(Text(spec, "type") ?? "uri_folder", out var t) ? t : InputType.UriFolder,
        Path = Text(spec, "path") ?? "",
        Description = Text(spec, "description"),
        Tags = StringMap(spec, "tags"),
        Properties = StringMap(spec, "properties"),
        Datastore = Text(spec, "datastore"),
    };

    // ------------------------------------------------------------------ environments

    /// <summary>An environment as stored: the conda specification is kept as YAML text under <c>conda_file</c> (a path is not stored).</summary>
    public static JsonObject ToSpec(EnvironmentAsset env)
    {
        var spec = new JsonObject();
        if (env.Name is not null)
        {
            spec["name"] = env.Name;
        }
        if (env.Version is not null)
        {
            spec["version"] = env.Version;
        }
        AddCommon(spec, env.Description, env.Tags, env.Properties);
        if (env.Image is not null)
        {
            spec["image"] = env.Image;
        }
        if (env.CondaSpecification is not null)
        {
            spec["conda_file"] = env.CondaSpecification;
        }
        else if (env.CondaFile is not null)
        {
            spec["conda_file_path"] = env.CondaFile;
        }
        if (env.Build is { } build)
        {
            var b = new JsonObject { ["path"] = build.Path };
            if (build.DockerfilePath is not null)
            {
                b["dockerfile_path"] = build.DockerfilePath;
            }
            spec["build"] = b;
        }
        if (env.OsType is not null)
        {
            spec["os_type"] = env.OsType;
        }
        if (env.InferenceConfig is not null)
        {
            spec["inference_config"] = ToNode(env.InferenceConfig);
        }
        if (env.Datastore is not null)
        {
            spec["datastore"] = env.Datastore;
        }
        return spec;
    }

    public static EnvironmentAsset EnvironmentFromSpec(JsonObject spec) => new()
    {
        Name = Text(spec, "name"),
        Version = Text(spec, "version"),
        Description = Text(spec, "description"),
        Tags = StringMap(spec, "tags"),
        Properties = StringMap(spec, "properties"),
        Image = Text(spec, "image"),
        CondaSpecification = Text(spec, "conda_file"),
        CondaFile = Text(spec, "conda_file_path"),
        Build = spec["build"] is JsonObject b && Text(b, "path") is { } path ? new BuildContext { Path = path, DockerfilePath = Text(b, "dockerfile_path") } : null,
        OsType = Text(spec, "os_type"),
        InferenceConfig = spec["inference_config"] is JsonObject ic ? (IReadOnlyDictionary<string, object?>)FromNode(ic)! : null,
        Datastore = Text(spec, "datastore"),
    };

    // ------------------------------------------------------------------ components

    /// <summary>A command component as az ml's component YAML, in JSON (ARM's <c>componentSpec</c>).</summary>
    public static JsonObject ToSpec(CommandComponent component)
    {
        var spec = new JsonObject
        {
            ["$schema"] = "https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json",
            ["name"] = component.Name,
        };
        if (component.Version is not null)
        {
            spec["version"] = component.Version;
        }
        if (component.DisplayName is not null)
        {
            spec["display_name"] = component.DisplayName;
        }
        spec["type"] = "command";
        AddCommon(spec, component.Description, component.Tags, component.Properties);
        if (component.Inputs.Count > 0)
        {
            var inputs = new JsonObject();
            foreach (var (name, input) in component.Inputs)
            {
                var i = new JsonObject { ["type"] = YamlNames.Of(input.Type) };
                if (input.Default is { } d)
                {
                    i["default"] = Scalar(d);
                }
                if (input.Optional)
                {
                    i["optional"] = true;
                }
                if (input.Description is not null)
                {
                    i["description"] = input.Description;
                }
                if (input.Min is { } min)
                {
                    i["min"] = min;
                }
                if (input.Max is { } max)
                {
                    i["max"] = max;
                }
                if (input.Enum is { } values)
                {
                    i["enum"] = new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
                }
                if (input.Mode is { } mode)
                {
                    i["mode"] = YamlNames.Of(mode);
                }
                inputs[name] = i;
            }
            spec["inputs"] = inputs;
        }
        if (component.Outputs.Count > 0)
        {
            var outputs = new JsonObject();
            foreach (var (name, output) in component.Outputs)
            {
                var o = new JsonObject { ["type"] = YamlNames.Of(output.Type) };
                if (output.Description is not null)
                {
                    o["description"] = output.Description;
                }
                if (output.Mode is { } mode)
                {
                    o["mode"] = YamlNames.Of(mode);
                }
                outputs[name] = o;
            }
            spec["outputs"] = outputs;
        }
        spec["command"] = component.Command;
        if (component.Code is not null)
        {
            spec["code"] = component.Code;
        }
        if (component.Environment is { } env)
        {
            spec["environment"] = env.Reference is { } reference ? reference : InlineEnvironment(env.Inline!);
        }
        if (component.EnvironmentVariables.Count > 0)
        {
            spec["environment_variables"] = new JsonObject(component.EnvironmentVariables.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        }
        if (component.Resources is { } r)
        {
            var resources = new JsonObject();
            if (r.InstanceCount is { } count)
            {
                resources["instance_count"] = count;
            }
            if (r.InstanceType is not null)
            {
                resources["instance_type"] = r.InstanceType;
            }
            if (r.ShmSize is not null)
            {
                resources["shm_size"] = r.ShmSize;
            }
            if (r.DockerArgs is not null)
            {
                resources["docker_args"] = r.DockerArgs;
            }
            if (r.Properties.Count > 0)
            {
                resources["properties"] = ToNode(r.Properties);
            }
            spec["resources"] = resources;
        }
        if (component.Distribution is { } distribution)
        {
            spec["distribution"] = distribution switch
            {
                PyTorchDistribution p => Compacted(new JsonObject { ["type"] = "pytorch", ["process_count_per_instance"] = p.ProcessCountPerInstance }),
                MpiDistribution m => Compacted(new JsonObject { ["type"] = "mpi", ["process_count_per_instance"] = m.ProcessCountPerInstance }),
                TensorFlowDistribution t => Compacted(new JsonObject { ["type"] = "tensorflow", ["worker_count"] = t.WorkerCount, ["parameter_server_count"] = t.ParameterServerCount }),
                _ => throw new InvalidInputException($"Component '{component.Name}': distribution {distribution.GetType().Name} is not supported.", "distribution"),
            };
        }
        if (!component.IsDeterministic)
        {
            spec["is_deterministic"] = false;
        }
        if (component.AdditionalIncludes.Count > 0)
        {
            spec["additional_includes"] = new JsonArray([.. component.AdditionalIncludes.Select(p => (JsonNode?)JsonValue.Create(p))]);
        }
        return spec;
    }

    /// <summary>
    /// Reads a component spec through az ml's YAML reader (keys starting with '_', as azure-ai-ml adds, are ignored). A bad spec
    /// is a <see cref="JobDefinitionException"/> naming <paramref name="what"/> and the key.
    /// </summary>
    public static CommandComponent ComponentFromSpec(JsonObject spec, string what)
    {
        var clean = new JsonObject();
        foreach (var (key, value) in spec)
        {
            if (!key.StartsWith('_'))
            {
                clean[key] = value?.DeepClone();
            }
        }
        var (context, root) = YamlContext.FromText(clean.ToJsonString(Compact), what, Path.GetTempPath());
        var component = AssetYaml.ReadComponent(context, root);
        context.ThrowIfProblems();
        return component!;
    }

    /// <summary>
    /// The canonical text of what may not change in a version: everything but its description and tags (which an update may
    /// change), its name's spelling (names compare case-insensitively) and the datastore its content was uploaded to (the path says).
    /// </summary>
    public static string ImmutableCanonical(JsonObject spec)
    {
        var copy = (JsonObject)spec.DeepClone();
        foreach (var key in new[] { "description", "tags", "name", "datastore" })
        {
            copy.Remove(key);
        }
        return Canonical(copy);
    }

    /// <summary>The canonical text of a spec (for comparing a re-created version with the stored one).</summary>
    public static string Canonical(JsonObject spec) => Sorted(spec)!.ToJsonString(Compact);

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        null => null,
        _ => node.DeepClone(),
    };

    // ------------------------------------------------------------------ helpers

    private static JsonObject InlineEnvironment(EnvironmentAsset env)
    {
        var spec = new JsonObject();
        if (env.Image is not null)
        {
            spec["image"] = env.Image;
        }
        if (env.CondaSpecification is not null)
        {
            spec["conda_file"] = YamlTextToNode(env.CondaSpecification);
        }
        else if (env.CondaFile is not null)
        {
            spec["conda_file"] = env.CondaFile;
        }
        if (env.Build is { } build)
        {
            var b = new JsonObject { ["path"] = build.Path };
            if (build.DockerfilePath is not null)
            {
                b["dockerfile_path"] = build.DockerfilePath;
            }
            spec["build"] = b;
        }
        if (env.OsType is not null)
        {
            spec["os_type"] = env.OsType;
        }
        if (env.Description is not null)
        {
            spec["description"] = env.Description;
        }
        if (env.InferenceConfig is not null)
        {
            spec["inference_config"] = ToNode(env.InferenceConfig);
        }
        return spec;
    }

    /// <summary>A conda specification's YAML text as JSON (a mapping).</summary>
    internal static JsonNode? YamlTextToNode(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? null : ToNode(YamlObjects.ToObject(stream.Documents[0].RootNode));
    }

    private static JsonObject Compacted(JsonObject o)
    {
        foreach (var key in o.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            o.Remove(key);
        }
        return o;
    }

    private static void AddCommon(JsonObject spec, string? description, IDictionary<string, string> tags, IDictionary<string, string> properties)
    {
        if (description is not null)
        {
            spec["description"] = description;
        }
        if (tags.Count > 0)
        {
            spec["tags"] = new JsonObject(tags.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        }
        if (properties.Count > 0)
        {
            spec["properties"] = new JsonObject(properties.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        }
    }

    private static JsonNode? Scalar(object value) => value switch
    {
        string s => s,
        bool b => b,
        long l => l,
        int i => i,
        double d => d,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>A value of <see cref="YamlObjects.ToObject"/> (dictionaries, lists, scalars) as JSON.</summary>
    internal static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        IReadOnlyDictionary<string, object?> d => new JsonObject(d.Select(kv => KeyValuePair.Create(kv.Key, ToNode(kv.Value)))),
        IDictionary<string, object?> d => new JsonObject(d.Select(kv => KeyValuePair.Create(kv.Key, ToNode(kv.Value)))),
        string s => s,
        System.Collections.IEnumerable list => new JsonArray([.. list.Cast<object?>().Select(ToNode)]),
        _ => Scalar(value),
    };

    /// <summary>JSON as plain objects (dictionaries, lists, string, long, double, bool).</summary>
    internal static object? FromNode(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => FromNode(p.Value), StringComparer.Ordinal),
        JsonArray a => a.Select(FromNode).ToList(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        _ => node.ToJsonString(),
    };

    internal static string? Text(JsonObject o, string key) => o[key] is JsonValue v && v.GetValueKind() != JsonValueKind.Null
        ? (v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString())
        : null;

    internal static Dictionary<string, string> StringMap(JsonObject o, string key)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (o[key] is JsonObject bag)
        {
            foreach (var (k, v) in bag)
            {
                if (v is JsonValue value)
                {
                    map[k] = value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
                }
            }
        }
        return map;
    }
}
