using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Jobs.Yaml;

/// <summary>
/// az ml v2 job YAML → <see cref="JobDefinition"/>. One entry point (<see cref="Load"/>) dispatches on <c>type</c>;
/// the readers of the parts every job kind shares (inputs, outputs, environment, the common keys) are here so that
/// sweep, pipeline and AutoML readers reuse them (a sweep's <c>trial</c> is read by <see cref="ReadCommandJob"/>).
/// </summary>
internal static class JobYaml
{
    /// <summary>Keys of every job kind (<c>BaseJobSchema</c>).</summary>
    internal static readonly string[] CommonKeys = ["$schema", "type", "name", "display_name", "experiment_name", "description", "tags", "properties", "compute", "identity", "services"];

    internal static readonly string[] CommandKeys =
        [.. CommonKeys, "command", "code", "environment", "environment_variables", "inputs", "outputs", "limits", "resources", "distribution", "queue_settings"];

    private static readonly string[] KnownTypes = ["command", "sweep", "pipeline", "automl", "spark", "parallel", "import"];

    public static JobDefinition Load(string path, IEnumerable<string>? set)
    {
        var (context, root) = YamlContext.Open(path);
        return Read(context, root, set);
    }

    public static JobDefinition Read(YamlContext context, YamlNode root, IEnumerable<string>? set)
    {
        if (set is not null)
        {
            root = Overrides.Apply(context, root, set);
        }
        if (root is not YamlMappingNode mapping)
        {
            throw new JobDefinitionException($"a job file must be a YAML mapping (command: …, environment: …), not {YamlContext.Describe(root)}.", context.FilePath, (int)root.Start.Line, (int)root.Start.Column);
        }
        var typeNode = mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: "type" }).Value;
        var type = typeNode is YamlScalarNode ts ? ts.Value ?? "command" : typeNode is null ? "command" : null;
        if (type is null)
        {
            throw new JobDefinitionException($"'type' must be text (command, sweep, pipeline or automl), not {YamlContext.Describe(typeNode!)}.", context.FilePath, (int)typeNode!.Start.Line, (int)typeNode.Start.Column, "type");
        }
        JobDefinition job;
        switch (type)
        {
            case "command":
                var map = context.Mapping(root, "", "a command job", CommandKeys);
                job = ReadCommandJob(context, map!);
                break;
            case "automl":
                job = AutoMLYaml.Read(context, context.Mapping(root, "", "an AutoML job", AutoMLYaml.Keys)!);
                break;
            case "sweep":
                // Yaml/SweepYaml.cs (issue 11); its trial is read by ReadCommandJob.
                job = SweepYaml.Read(context, context.Mapping(root, "", "a sweep job", SweepYaml.SweepKeys)!);
                break;
            case "pipeline":
                // Yaml/PipelineYaml.cs (issue 11); inline steps are read by ReadCommandJob.
                job = PipelineYaml.Read(context, context.Mapping(root, "", "a pipeline job", PipelineYaml.PipelineKeys)!);
                break;
            case "spark" or "parallel" or "import":
                throw new AzureMlNotSupportedException(
                    $"{context.FilePath}:{typeNode!.Start.Line}:{typeNode.Start.Column}: {type} jobs are not supported by AzureMlSdk; command, sweep, pipeline and AutoML jobs are.");
            default:
                throw new JobDefinitionException($"unknown job type '{type}'; az ml job types are command, sweep, pipeline and automl.{Suggest.DidYouMean(type, KnownTypes)}",
                    context.FilePath, (int)typeNode!.Start.Line, (int)typeNode.Start.Column, "type");
        }
        context.ThrowIfProblems();
        job.Validate();
        return job;
    }

    /// <summary>The keys every job kind has, read once.</summary>
    internal sealed record Common(
        string? Name, string? DisplayName, string? ExperimentName, string? Description, Dictionary<string, string> Tags,
        Dictionary<string, string> Properties, string? Compute, JobIdentity? Identity, Dictionary<string, JobService> Services);

    internal static Common ReadCommon(YamlMap map) => new(
        map.String("name"), map.String("display_name"), map.String("experiment_name"), map.String("description"),
        map.StringMap("tags"), map.StringMap("properties"), map.String("compute"), ReadIdentity(map), ReadServices(map));

    /// <summary>A command job (or a sweep's trial, or a pipeline's inline command step) from its mapping.</summary>
    internal static CommandJob ReadCommandJob(YamlContext context, YamlMap map)
    {
        var common = ReadCommon(map);
        return new CommandJob
        {
            Name = common.Name,
            DisplayName = common.DisplayName,
            ExperimentName = common.ExperimentName,
            Description = common.Description,
            Tags = common.Tags,
            Properties = common.Properties,
            Compute = common.Compute,
            Identity = common.Identity,
            Services = common.Services,
            Source = context.Map,
            Command = map.String("command"),
            Code = map.String("code") is { } code ? context.ResolvePath(code) : null,
            Environment = map.Get("environment") is { } env ? ReadEnvironmentField(context, env, map.Sub("environment")) : null,
            EnvironmentVariables = map.StringMap("environment_variables"),
            Inputs = ReadInputs(map, "inputs"),
            Outputs = ReadOutputs(map, "outputs"),
            Limits = map.Map("limits", "command job limits", ["timeout"]) is { } limits
                ? new CommandJobLimits { Timeout = limits.Long("timeout", 1) is { } seconds ? TimeSpan.FromSeconds(seconds) : null }
                : null,
            Resources = ReadResources(map),
            Distribution = ReadDistribution(map),
            QueueSettings = map.Map("queue_settings", "queue settings", ["job_tier"]) is { } queue
                ? new QueueSettings { JobTier = queue.Word("job_tier", JobTiers) }
                : null,
        };
    }

    private static readonly string[] JobTiers = ["null", "spot", "basic", "standard", "premium"];

    /// <summary><c>environment</c>: a reference, <c>file:env.yml</c>, or an inline definition.</summary>
    internal static JobEnvironment? ReadEnvironmentField(YamlContext context, YamlNode node, string path)
    {
        switch (node)
        {
            case YamlScalarNode s when YamlScalars.Value(s) is null:
                return null;
            case YamlScalarNode s:
                var text = s.Value!;
                if (text.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
                {
                    var file = context.ResolvePath(text["file:".Length..]);
                    try
                    {
                        return JobEnvironment.FromDefinition(EnvironmentAsset.Load(file));
                    }
                    catch (JobDefinitionException e)
                    {
                        context.Report(s, path, $"the environment file '{text["file:".Length..]}' is invalid: {e.Message}");
                        return null;
                    }
                }
                return JobEnvironment.FromReference(text);
            case YamlMappingNode:
                return AssetYaml.ReadEnvironment(context, node, path, inline: true) is { } inline ? JobEnvironment.FromDefinition(inline) : null;
            default:
                context.Report(node, path, $"'{path}' must be a reference (azureml:name@latest) or an inline environment (image: …), not {YamlContext.Describe(node)}.");
                return null;
        }
    }

    private static readonly string[] InputKeys = ["type", "path", "mode", "description"];

    /// <summary><c>inputs</c>: literals (typed by YAML) and data inputs (<c>{type, path, mode}</c>; type defaults to uri_folder).</summary>
    internal static Dictionary<string, Input> ReadInputs(YamlMap map, string key)
    {
        var inputs = new Dictionary<string, Input>(StringComparer.Ordinal);
        foreach (var (name, keyNode, value) in map.Entries(key))
        {
            var at = $"{map.Sub(key)}.{name}";
            if (ReadInput(map.Context, name, value, at) is { } input)
            {
                inputs[name] = input;
            }
        }
        return inputs;
    }

    internal static Input? ReadInput(YamlContext context, string name, YamlNode value, string at)
    {
        switch (value)
        {
            case YamlScalarNode s:
                switch (YamlScalars.Value(s))
                {
                    case null:
                        context.Report(value, at, $"input '{name}' has no value: give a literal (42, 0.1, true, text) or a data input ({{type: uri_folder, path: …}}).");
                        return null;
                    case bool b:
                        return Input.Literal(b);
                    case long l:
                        return Input.Literal(l);
                    case double d:
                        return Input.Literal(d);
                    default:
                        return Input.Literal(s.Value!);
                }
            case YamlMappingNode:
                var m = context.Mapping(value, at, $"input '{name}'", InputKeys)!;
                var type = m.Has("type") ? m.Enum("type", YamlNames.InputTypes) : InputType.UriFolder;
                if (type is null)
                {
                    return null;
                }
                if (Input.IsLiteralType(type.Value))
                {
                    m.Report("type", $"input '{name}' is a {YamlNames.Of(type.Value)}: write its value directly ({name}: <value>) rather than a mapping.");
                    return null;
                }
                var path = m.RequiredString("path");
                var mode = m.Enum("mode", YamlNames.InputModes);
                return path is null ? null : Input.Data(type.Value, context.ResolvePath(path), mode, m.String("description"));
            default:
                context.Report(value, at, $"input '{name}' must be a literal or a mapping, not {YamlContext.Describe(value)}.");
                return null;
        }
    }

    private static readonly string[] OutputKeys = ["type", "path", "mode", "name", "version", "description"];

    /// <summary><c>outputs</c>: an empty entry is a uri_folder at Azure ML's default location.</summary>
    internal static Dictionary<string, Output> ReadOutputs(YamlMap map, string key)
    {
        var outputs = new Dictionary<string, Output>(StringComparer.Ordinal);
        foreach (var (name, _, value) in map.Entries(key))
        {
            var at = $"{map.Sub(key)}.{name}";
            if (value is YamlScalarNode s && YamlScalars.Value(s) is null)
            {
                outputs[name] = Output.UriFolder();
                continue;
            }
            if (map.Context.Mapping(value, at, $"output '{name}'", OutputKeys) is not { } m)
            {
                continue;
            }
            var type = m.Has("type") ? m.Enum("type", YamlNames.OutputTypes) : OutputType.UriFolder;
            if (type is null)
            {
                continue;
            }
            outputs[name] = Output.Create(type.Value, m.String("path"), m.Enum("mode", YamlNames.OutputModes), m.String("name"), m.String("version"), m.String("description"));
        }
        return outputs;
    }

    /// <summary>The parts a command component shares with a command job.</summary>
    internal static (JobResources? Resources, DistributionConfiguration? Distribution) ReadCommandJobParts(YamlMap map) => (ReadResources(map), ReadDistribution(map));

    private static JobResources? ReadResources(YamlMap map)
    {
        if (map.Map("resources", "job resources", ["instance_count", "instance_type", "shm_size", "docker_args", "properties"]) is not { } r)
        {
            return null;
        }
        return new JobResources
        {
            InstanceCount = r.Int("instance_count", 1),
            InstanceType = r.String("instance_type"),
            ShmSize = r.String("shm_size"),
            DockerArgs = r.String("docker_args"),
            Properties = r.Get("properties") is YamlMappingNode p ? YamlObjects.ToDictionary(p) : new Dictionary<string, object?>(StringComparer.Ordinal),
        };
    }

    private static readonly Dictionary<string, string[]> DistributionKeys = new(StringComparer.Ordinal)
    {
        ["pytorch"] = ["type", "process_count_per_instance"],
        ["mpi"] = ["type", "process_count_per_instance"],
        ["tensorflow"] = ["type", "worker_count", "parameter_server_count"],
    };

    private static DistributionConfiguration? ReadDistribution(YamlMap map)
    {
        var node = map.Get("distribution");
        if (node is null || node is YamlScalarNode s0 && YamlScalars.Value(s0) is null)
        {
            return null;
        }
        var at = map.Sub("distribution");
        var type = node is YamlMappingNode m0 ? m0.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: "type" }).Value as YamlScalarNode : null;
        var word = type?.Value?.ToLowerInvariant();
        if (word is null || !DistributionKeys.TryGetValue(word, out var keys))
        {
            if (node is not YamlMappingNode)
            {
                map.Context.Report(node, at, $"'{at}' must be a mapping (type: pytorch|mpi|tensorflow, …), not {YamlContext.Describe(node)}.");
            }
            else if (word == "ray")
            {
                map.Context.Report(type, $"{at}.type", "Ray distribution is not part of Azure ML's 2026-07-01 job API; use pytorch, mpi or tensorflow.");
            }
            else
            {
                map.Context.Report(type ?? node, $"{at}.type", word is null
                    ? $"'{at}' needs a 'type': pytorch, mpi or tensorflow."
                    : $"'{at}.type' must be pytorch, mpi or tensorflow, not '{type!.Value}'.{Suggest.DidYouMean(word, DistributionKeys.Keys)}");
            }
            return null;
        }
        var d = map.Context.Mapping(node, at, $"{word} distribution", keys)!;
        return word switch
        {
            "pytorch" => new PyTorchDistribution { ProcessCountPerInstance = d.Int("process_count_per_instance", 1) },
            "mpi" => new MpiDistribution { ProcessCountPerInstance = d.Int("process_count_per_instance", 1) },
            _ => new TensorFlowDistribution { WorkerCount = d.Int("worker_count", 1), ParameterServerCount = d.Int("parameter_server_count", 0) },
        };
    }

    private enum IdentityKind
    {
        AmlToken,
        User,
        Managed,
    }

    private static readonly Dictionary<string, IdentityKind> IdentityTypes = new(StringComparer.Ordinal)
    {
        ["aml_token"] = IdentityKind.AmlToken,
        ["user_identity"] = IdentityKind.User,
        ["managed"] = IdentityKind.Managed,
        ["managed_identity"] = IdentityKind.Managed,
    };

    private static readonly string[] ManagedIdentityKeys = ["client_id", "object_id", "msi_resource_id"];

    private static JobIdentity? ReadIdentity(YamlMap map)
    {
        if (map.Map("identity", "an identity", ["type", "client_id", "object_id", "msi_resource_id"]) is not { } m)
        {
            return null;
        }
        if (!m.Has("type"))
        {
            map.Report("identity", "'identity' needs a 'type': aml_token, user_identity or managed.");
            return null;
        }
        var kind = m.Enum("type", IdentityTypes);
        if (kind is not IdentityKind.Managed)
        {
            foreach (var key in ManagedIdentityKeys.Where(m.Has))
            {
                m.Report(key, $"'{m.Sub(key)}' applies to a managed identity only.");
            }
        }
        return kind switch
        {
            IdentityKind.AmlToken => new AmlTokenConfiguration(),
            IdentityKind.User => new UserIdentityConfiguration(),
            IdentityKind.Managed => new ManagedIdentityConfiguration { ClientId = m.String("client_id"), ObjectId = m.String("object_id"), ResourceId = m.String("msi_resource_id") },
            _ => null,
        };
    }

    private static readonly string[] ServiceTypes = ["jupyter_lab", "ssh", "tensor_board", "vs_code"];

    private static Dictionary<string, JobService> ReadServices(YamlMap map)
    {
        var services = new Dictionary<string, JobService>(StringComparer.Ordinal);
        foreach (var (name, _, value) in map.Entries("services"))
        {
            var at = $"{map.Sub("services")}.{name}";
            if (map.Context.Mapping(value, at, $"service '{name}'", ["type", "port", "nodes", "properties", "log_dir", "ssh_public_keys"]) is not { } m)
            {
                continue;
            }
            var type = m.Has("type") ? m.Word("type", ServiceTypes) : null;
            if (!m.Has("type"))
            {
                map.Context.Report(value, at, $"service '{name}' needs a 'type': {string.Join(", ", ServiceTypes)}.");
            }
            var nodes = m.String("nodes");
            if (nodes is not null && nodes != "all")
            {
                m.Report("nodes", $"'{at}.nodes' can only be 'all' (or absent for the head node only), not '{nodes}'.");
            }
            if (type is null)
            {
                continue;
            }
            services[name] = new JobService
            {
                Type = type,
                Port = m.Int("port", 1, 65535),
                Nodes = nodes,
                LogDir = m.String("log_dir"),
                SshPublicKeys = m.String("ssh_public_keys"),
                Properties = m.StringMap("properties"),
            };
        }
        return services;
    }
}

/// <summary>az ml's <c>--set key.path=value</c>, applied to the YAML before it is read (so the same checks apply).</summary>
internal static class Overrides
{
    public static YamlNode Apply(YamlContext context, YamlNode root, IEnumerable<string> set)
    {
        foreach (var item in set)
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new JobDefinitionException($"--set '{item}' must be key.path=value.", context.FilePath);
            }
            var keys = item[..eq].Trim().Split('.');
            if (keys.Any(string.IsNullOrEmpty))
            {
                throw new JobDefinitionException($"--set '{item}' has an empty key.", context.FilePath, key: item[..eq]);
            }
            var node = root as YamlMappingNode
                ?? throw new JobDefinitionException("--set needs the document to be a mapping.", context.FilePath);
            for (var i = 0; i < keys.Length - 1; i++)
            {
                var key = new YamlScalarNode(keys[i]);
                if (!node.Children.TryGetValue(key, out var child) || child is YamlScalarNode { Value: null or "" or "~" or "null" })
                {
                    child = new YamlMappingNode();
                    context.Overridden.Add(child);
                    node.Children[key] = child;
                }
                node = child as YamlMappingNode
                    ?? throw new JobDefinitionException($"--set '{item}': '{string.Join('.', keys[..(i + 1)])}' is not a mapping.", context.FilePath, (int)child.Start.Line, (int)child.Start.Column, string.Join('.', keys[..(i + 1)]));
            }
            var value = new YamlScalarNode(item[(eq + 1)..]) { Style = ScalarStyle.Plain };
            context.Overridden.Add(value);
            node.Children[new YamlScalarNode(keys[^1])] = value;
        }
        return root;
    }
}

/// <summary>YAML nodes as plain .NET values (for free-form settings such as <c>resources.properties</c>).</summary>
internal static class YamlObjects
{
    public static object? ToObject(YamlNode node) => node switch
    {
        YamlScalarNode s => YamlScalars.Value(s),
        YamlSequenceNode seq => seq.Children.Select(ToObject).ToList(),
        YamlMappingNode m => ToDictionary(m),
        _ => null,
    };

    public static Dictionary<string, object?> ToDictionary(YamlMappingNode node)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in node.Children)
        {
            result[(k as YamlScalarNode)?.Value ?? ""] = ToObject(v);
        }
        return result;
    }
}
