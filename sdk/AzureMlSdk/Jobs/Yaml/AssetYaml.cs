using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Jobs.Yaml;

/// <summary>az ml v2 YAML of the assets jobs use: environments, data, command components, computes.</summary>
internal static class AssetYaml
{
    private static readonly string[] InlineEnvironmentKeys = [.. EnvironmentAsset.YamlKeys.Where(k => k is not ("name" or "version" or "$schema"))];

    /// <summary>An environment; <paramref name="inline"/> (inside a job) forbids name and version, as az ml's anonymous environments.</summary>
    public static EnvironmentAsset? ReadEnvironment(YamlContext context, YamlNode node, string path, bool inline)
    {
        if (context.Mapping(node, path, inline ? "an inline environment" : "an environment", inline ? InlineEnvironmentKeys : EnvironmentAsset.YamlKeys) is not { } m)
        {
            return null;
        }
        BuildContext? build = null;
        if (m.Map("build", "a build context", ["path", "dockerfile_path"]) is { } b && b.RequiredString("path") is { } buildPath)
        {
            build = new BuildContext { Path = context.ResolvePath(buildPath), DockerfilePath = b.String("dockerfile_path") };
        }
        string? conda = null;
        string? inlineConda = null;
        if (m.Get("conda_file") is YamlMappingNode condaSpec)
        {
            // An inline conda specification (az ml accepts a mapping as well as a path): kept as YAML text.
            var text = new StringWriter();
            new YamlStream(new YamlDocument(condaSpec)).Save(text, assignAnchors: false);
            var yaml = text.ToString().TrimEnd();
            inlineConda = (yaml.EndsWith("\n...", StringComparison.Ordinal) ? yaml[..^4] : yaml).TrimEnd(); // the document end marker Save writes
        }
        else if (m.String("conda_file") is { } condaPath)
        {
            conda = context.ResolvePath(condaPath);
        }
        return new EnvironmentAsset
        {
            Name = inline ? null : m.String("name"),
            Version = inline ? null : m.String("version"),
            Description = m.String("description"),
            Tags = m.StringMap("tags"),
            Properties = m.StringMap("properties"),
            Image = m.String("image"),
            CondaFile = conda,
            CondaSpecification = inlineConda,
            Build = build,
            OsType = m.Word("os_type", ["linux", "windows"]),
            Datastore = m.String("datastore"),
            InferenceConfig = m.Get("inference_config") is YamlMappingNode ic ? YamlObjects.ToDictionary(ic) : null,
            Source = context.Map,
        };
    }

    private static readonly Dictionary<string, InputType> DataTypes = new(StringComparer.Ordinal)
    {
        ["uri_file"] = InputType.UriFile,
        ["uri_folder"] = InputType.UriFolder,
        ["mltable"] = InputType.MLTable,
    };

    public static DataAsset? ReadData(YamlContext context, YamlNode root)
    {
        if (context.Mapping(root, "", "a data asset", DataAsset.YamlKeys) is not { } m)
        {
            return null;
        }
        var name = m.RequiredString("name");
        var path = m.RequiredString("path");
        var type = m.Has("type") ? m.Enum("type", DataTypes) : InputType.UriFolder;
        if (name is null || path is null || type is null)
        {
            return null;
        }
        return new DataAsset
        {
            Name = name,
            Version = m.String("version"),
            Type = type.Value,
            Path = context.ResolvePath(path),
            Description = m.String("description"),
            Tags = m.StringMap("tags"),
            Properties = m.StringMap("properties"),
            Datastore = m.String("datastore"),
            Source = context.Map,
        };
    }

    private static readonly string[] ComponentInputKeys = ["type", "default", "optional", "description", "min", "max", "enum", "mode"];

    public static CommandComponent? ReadComponent(YamlContext context, YamlNode root)
    {
        if (context.Mapping(root, "", "a command component", CommandComponent.YamlKeys) is not { } m)
        {
            return null;
        }
        if (m.Has("type") && m.String("type") is { } type && type != "command")
        {
            m.Report("type", $"only command components are supported (type: command), not '{type}'.");
        }
        var inputs = new Dictionary<string, ComponentInput>(StringComparer.Ordinal);
        foreach (var (name, _, value) in m.Entries("inputs"))
        {
            var at = $"inputs.{name}";
            if (context.Mapping(value, at, $"input '{name}'", ComponentInputKeys) is not { } i)
            {
                continue;
            }
            if (!i.Has("type"))
            {
                context.Report(value, at, $"input '{name}' needs a 'type': {string.Join(", ", YamlNames.InputTypes.Keys)}.");
                continue;
            }
            if (i.Enum("type", YamlNames.InputTypes) is not { } inputType)
            {
                continue;
            }
            inputs[name] = new ComponentInput
            {
                Type = inputType,
                Default = i.Get("default") is YamlScalarNode d ? YamlScalars.Value(d) : null,
                Optional = i.Bool("optional") ?? false,
                Description = i.String("description"),
                Min = i.Number("min"),
                Max = i.Number("max"),
                Enum = i.StringList("enum"),
                Mode = i.Enum("mode", YamlNames.InputModes),
            };
            if (i.Get("default") is { } dn and not YamlScalarNode)
            {
                i.Report("default", $"'{at}.default' must be a single value, not {YamlContext.Describe(dn)}.");
            }
        }
        var outputs = new Dictionary<string, ComponentOutput>(StringComparer.Ordinal);
        foreach (var (name, _, value) in m.Entries("outputs"))
        {
            if (value is YamlScalarNode s && YamlScalars.Value(s) is null)
            {
                outputs[name] = new ComponentOutput();
                continue;
            }
            if (context.Mapping(value, $"outputs.{name}", $"output '{name}'", ["type", "description", "mode"]) is not { } o)
            {
                continue;
            }
            var outputType = o.Has("type") ? o.Enum("type", YamlNames.OutputTypes) : OutputType.UriFolder;
            if (outputType is not null)
            {
                outputs[name] = new ComponentOutput { Type = outputType.Value, Description = o.String("description"), Mode = o.Enum("mode", YamlNames.OutputModes) };
            }
        }
        var name0 = m.RequiredString("name");
        var command = m.RequiredString("command");
        // Resources and distribution read as a command job reads them.
        var asJob = JobYaml.ReadCommandJobParts(m);
        if (name0 is null || command is null)
        {
            return null;
        }
        return new CommandComponent
        {
            Name = name0,
            Version = m.String("version"),
            DisplayName = m.String("display_name"),
            Description = m.String("description"),
            Tags = m.StringMap("tags"),
            Properties = m.StringMap("properties"),
            Inputs = inputs,
            Outputs = outputs,
            Command = command,
            Code = m.String("code") is { } code ? context.ResolvePath(code) : null,
            Environment = m.Get("environment") is { } env ? JobYaml.ReadEnvironmentField(context, env, "environment") : null,
            EnvironmentVariables = m.StringMap("environment_variables"),
            Resources = asJob.Resources,
            Distribution = asJob.Distribution,
            IsDeterministic = m.Bool("is_deterministic") ?? true,
            AdditionalIncludes = (m.StringList("additional_includes") ?? []).Select(context.ResolvePath).ToList(),
            Source = context.Map,
        };
    }

    public static ComputeDefinition? ReadCompute(YamlContext context, YamlNode root)
    {
        if (context.Mapping(root, "", "a compute", [.. ComputeDefinition.YamlKeys, .. ComputeDefinition.UnsupportedKeys]) is not { } m)
        {
            return null;
        }
        foreach (var key in ComputeDefinition.UnsupportedKeys.Where(m.Has))
        {
            m.Report(key, $"'{key}' is an az ml compute setting AzureMlSdk does not support; remove it.");
        }
        var name = m.RequiredString("name");
        var type = m.RequiredString("type");
        if (name is null || type is null)
        {
            return null;
        }
        return new ComputeDefinition
        {
            Name = name,
            Type = type,
            Description = m.String("description"),
            Tags = m.StringMap("tags"),
            Size = m.String("size"),
            MinInstances = m.Int("min_instances", 0) ?? 0,
            MaxInstances = m.Int("max_instances", 1) ?? 1,
            IdleTimeBeforeScaleDown = m.Long("idle_time_before_scale_down", 0) is { } idle ? TimeSpan.FromSeconds(idle) : null,
            Tier = m.Word("tier", ["dedicated", "low_priority"]),
            Location = m.String("location"),
            Source = context.Map,
        };
    }
}
