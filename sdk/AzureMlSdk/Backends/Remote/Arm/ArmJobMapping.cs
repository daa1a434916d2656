using System.Globalization;
using System.Text.Json;
using System.Xml;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>
/// The ARM ids a command job's body needs, resolved by the caller (code uploaded as a code asset, environment and data
/// registered or looked up, compute found): the mapping itself does no I/O.
/// </summary>
internal sealed record ArmJobReferences
{
    /// <summary><c>environmentId</c> (required by the spec): an environment version's ARM id or a registry id.</summary>
    public required string EnvironmentId { get; init; }

    /// <summary><c>codeId</c>: the code version's ARM id, or null when the job has no code.</summary>
    public string? CodeId { get; init; }

    /// <summary><c>computeId</c>: the compute's ARM id, or null for serverless compute.</summary>
    public string? ComputeId { get; init; }

    /// <summary><c>componentId</c>: the component version's ARM id when the job runs a registered component.</summary>
    public string? ComponentId { get; init; }

    /// <summary>Input name → the <c>uri</c> to send instead of the input's path (local paths uploaded, asset labels resolved).</summary>
    public IReadOnlyDictionary<string, string> InputUris { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Output name → the <c>uri</c> to send instead of the output's path.</summary>
    public IReadOnlyDictionary<string, string> OutputUris { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary><see cref="CommandJob"/> ⇄ the ARM 2026-07-01 <c>CommandJob</c> body (<c>JobBaseResource</c>, <c>jobType: Command</c>).</summary>
internal static class ArmJobMapping
{
    private static readonly Dictionary<InputMode, string> InputModes = new()
    {
        [InputMode.ReadOnlyMount] = "ReadOnlyMount",
        [InputMode.ReadWriteMount] = "ReadWriteMount",
        [InputMode.Download] = "Download",
        [InputMode.Direct] = "Direct",
        [InputMode.EvalMount] = "EvalMount",
        [InputMode.EvalDownload] = "EvalDownload",
    };

    private static readonly Dictionary<OutputMode, string> OutputModes = new()
    {
        [OutputMode.ReadWriteMount] = "ReadWriteMount",
        [OutputMode.Upload] = "Upload",
        [OutputMode.Direct] = "Direct",
    };

    private static readonly Dictionary<string, string> ServiceTypes = new(StringComparer.Ordinal)
    {
        ["jupyter_lab"] = "JupyterLab",
        ["ssh"] = "SSH",
        ["tensor_board"] = "TensorBoard",
        ["vs_code"] = "VSCode",
    };

    internal static readonly Dictionary<string, string> JobTiers = new(StringComparer.Ordinal)
    {
        ["null"] = "Null",
        ["spot"] = "Spot",
        ["basic"] = "Basic",
        ["standard"] = "Standard",
        ["premium"] = "Premium",
    };

    /// <summary>
    /// The PUT body of <c>jobs/{name}</c>. Data inputs and outputs are sent with <see cref="ArmJobReferences.InputUris"/> /
    /// <see cref="ArmJobReferences.OutputUris"/> when given, else their own remote path; a local path left unresolved is an error.
    /// </summary>
    public static ArmResource<CommandJobProperties> ToArm(CommandJob job, ArmJobReferences references)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(references);
        if (string.IsNullOrWhiteSpace(job.Command))
        {
            throw new JobDefinitionException("a command job needs a 'command'.", job.SourcePath, key: "command");
        }
        var properties = new CommandJobProperties
        {
            JobType = "Command",
            Description = job.Description,
            Tags = Nullable(job.Tags),
            Properties = Nullable(job.Properties),
            DisplayName = job.DisplayName,
            ExperimentName = job.ExperimentName,
            ComputeId = references.ComputeId,
            ComponentId = references.ComponentId,
            Identity = ToArm(job.Identity),
            Services = job.Services.Count == 0 ? null : job.Services.ToDictionary(s => s.Key, s => (ArmJobService?)ToArm(s.Value), StringComparer.Ordinal),
            CodeId = references.CodeId,
            Command = job.Command,
            EnvironmentId = references.EnvironmentId,
            EnvironmentVariables = Nullable(job.EnvironmentVariables),
            Inputs = job.Inputs.Count == 0 ? null : job.Inputs.ToDictionary(i => i.Key, i => (ArmJobInput?)ToArm(i.Key, i.Value, references, job), StringComparer.Ordinal),
            Outputs = job.Outputs.Count == 0 ? null : job.Outputs.ToDictionary(o => o.Key, o => (ArmJobOutput?)ToArm(o.Key, o.Value, references, job), StringComparer.Ordinal),
            Limits = job.Limits?.Timeout is { } timeout ? new ArmJobLimits { JobLimitsType = "Command", Timeout = XmlConvert.ToString(timeout) } : null,
            Resources = ToArm(job.Resources),
            Distribution = job.Distribution switch
            {
                PyTorchDistribution p => new ArmDistribution { DistributionType = "PyTorch", ProcessCountPerInstance = p.ProcessCountPerInstance },
                MpiDistribution m => new ArmDistribution { DistributionType = "Mpi", ProcessCountPerInstance = m.ProcessCountPerInstance },
                TensorFlowDistribution t => new ArmDistribution { DistributionType = "TensorFlow", WorkerCount = t.WorkerCount, ParameterServerCount = t.ParameterServerCount },
                _ => null,
            },
            QueueSettings = job.QueueSettings?.JobTier is { } tier ? new ArmQueueSettings { JobTier = JobTiers.GetValueOrDefault(tier, tier) } : null,
        };
        return new ArmResource<CommandJobProperties> { Name = job.Name, Properties = properties };
    }

    internal static ArmJobInput ToArm(string name, Input input, ArmJobReferences references, JobDefinition job)
    {
        if (input.IsLiteral)
        {
            return new ArmJobInput { JobInputType = "literal", Value = input.LiteralText, Description = input.Description };
        }
        var uri = references.InputUris.TryGetValue(name, out var resolved) ? resolved
            : input.Reference!.IsRemote ? input.Path
            : throw new JobDefinitionException($"input '{name}' is the local path '{input.Path}': upload it before building the ARM body.", job.SourcePath, key: $"inputs.{name}.path");
        return new ArmJobInput
        {
            JobInputType = YamlNames.Of(input.Type),
            Uri = uri,
            Mode = input.Mode is { } m ? InputModes[m] : null,
            Description = input.Description,
        };
    }

    internal static ArmJobOutput ToArm(string name, Output output, ArmJobReferences references, JobDefinition job)
    {
        if (output.Version is not null)
        {
            // The 2026-07-01 JobOutput has assetName only: Azure ML numbers the version itself.
            throw new AzureMlNotSupportedException($"output '{name}' asks for version '{output.Version}' of '{output.Name}', but Azure ML's job API (2026-07-01) takes the asset name only and numbers the version itself; leave the version out.");
        }
        var uri = references.OutputUris.TryGetValue(name, out var resolved) ? resolved
            : output.Path is null || AssetReference.Parse(output.Path).IsRemote ? output.Path
            : throw new JobDefinitionException($"output '{name}' is the local path '{output.Path}'; Azure ML outputs go to a datastore (azureml://datastores/<ds>/paths/…).", job.SourcePath, key: $"outputs.{name}.path");
        return new ArmJobOutput
        {
            JobOutputType = YamlNames.Of(output.Type),
            Uri = uri,
            Mode = output.Mode is { } m ? OutputModes[m] : null,
            AssetName = output.Name,
            Description = output.Description,
        };
    }

    internal static ArmJobIdentity? ToArm(JobIdentity? identity) => identity switch
    {
        AmlTokenConfiguration => new ArmJobIdentity { IdentityType = "AMLToken" },
        UserIdentityConfiguration => new ArmJobIdentity { IdentityType = "UserIdentity" },
        ManagedIdentityConfiguration m => new ArmJobIdentity { IdentityType = "Managed", ClientId = m.ClientId, ObjectId = m.ObjectId, ResourceId = m.ResourceId },
        _ => null,
    };

    internal static ArmJobService ToArm(JobService service)
    {
        var properties = new Dictionary<string, string?>(service.Properties.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)), StringComparer.Ordinal);
        if (service.LogDir is not null)
        {
            properties["logDir"] = service.LogDir;
        }
        if (service.SshPublicKeys is not null)
        {
            properties["sshPublicKeys"] = service.SshPublicKeys;
        }
        return new ArmJobService
        {
            JobServiceType = ServiceTypes.GetValueOrDefault(service.Type, service.Type),
            Port = service.Port,
            Nodes = service.Nodes is null ? null : new ArmNodes { NodesValueType = "All" },
            Properties = properties.Count == 0 ? null : properties,
        };
    }

    internal static ArmJobResources? ToArm(JobResources? resources) => resources is null ? null : new ArmJobResources
    {
        InstanceCount = resources.InstanceCount,
        InstanceType = resources.InstanceType,
        ShmSize = resources.ShmSize,
        DockerArgs = resources.DockerArgs,
        Properties = resources.Properties.Count == 0 ? null : resources.Properties.ToDictionary(p => p.Key, p => ToJson(p.Value), StringComparer.Ordinal),
    };

    /// <summary>A definition read back from a job's ARM body (<c>GET jobs/{name}</c>): ids become az ml references.</summary>
    public static CommandJob FromArm(ArmResource<CommandJobProperties> resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var p = resource.Properties ?? throw new InvalidInputException($"job '{resource.Name}' has no properties.");
        if (!string.Equals(p.JobType, "Command", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException($"job '{resource.Name}' is a {p.JobType} job, not a command job.");
        }
        return new CommandJob
        {
            Name = resource.Name,
            DisplayName = p.DisplayName,
            ExperimentName = p.ExperimentName,
            Description = p.Description,
            Tags = NonNull(p.Tags),
            Properties = NonNull(p.Properties),
            Compute = p.ComputeId is null ? null : ComputeFromId(p.ComputeId),
            Identity = p.Identity?.IdentityType switch
            {
                "AMLToken" => new AmlTokenConfiguration(),
                "UserIdentity" => new UserIdentityConfiguration(),
                "Managed" => new ManagedIdentityConfiguration { ClientId = p.Identity.ClientId, ObjectId = p.Identity.ObjectId, ResourceId = p.Identity.ResourceId },
                _ => null,
            },
            Services = p.Services?.Where(s => s.Value is not null).ToDictionary(s => s.Key, s => FromArm(s.Value!), StringComparer.Ordinal)
                ?? new Dictionary<string, JobService>(StringComparer.Ordinal),
            Code = p.CodeId is null ? null : AssetFromId(p.CodeId),
            Command = p.Command,
            Environment = p.EnvironmentId is null ? null : JobEnvironment.FromReference(AssetFromId(p.EnvironmentId)),
            EnvironmentVariables = NonNull(p.EnvironmentVariables),
            Inputs = p.Inputs?.Where(i => i.Value is not null).ToDictionary(i => i.Key, i => FromArm(i.Value!), StringComparer.Ordinal)
                ?? new Dictionary<string, Input>(StringComparer.Ordinal),
            Outputs = p.Outputs?.Where(o => o.Value is not null).ToDictionary(o => o.Key, o => FromArm(o.Value!), StringComparer.Ordinal)
                ?? new Dictionary<string, Output>(StringComparer.Ordinal),
            Limits = p.Limits?.Timeout is { } timeout ? new CommandJobLimits { Timeout = XmlConvert.ToTimeSpan(timeout) } : null,
            Resources = p.Resources is null ? null : new JobResources
            {
                InstanceCount = p.Resources.InstanceCount,
                InstanceType = p.Resources.InstanceType,
                ShmSize = p.Resources.ShmSize,
                DockerArgs = p.Resources.DockerArgs ?? (p.Resources.DockerArgsList is { } list ? string.Join(' ', list) : null),
                Properties = p.Resources.Properties?.ToDictionary(e => e.Key, e => FromJson(e.Value), StringComparer.Ordinal) ?? new Dictionary<string, object?>(StringComparer.Ordinal),
            },
            Distribution = p.Distribution?.DistributionType switch
            {
                "PyTorch" => new PyTorchDistribution { ProcessCountPerInstance = p.Distribution.ProcessCountPerInstance },
                "Mpi" => new MpiDistribution { ProcessCountPerInstance = p.Distribution.ProcessCountPerInstance },
                "TensorFlow" => new TensorFlowDistribution { WorkerCount = p.Distribution.WorkerCount, ParameterServerCount = p.Distribution.ParameterServerCount },
                _ => null,
            },
            QueueSettings = p.QueueSettings?.JobTier is { } tier
                ? new QueueSettings { JobTier = JobTiers.FirstOrDefault(t => string.Equals(t.Value, tier, StringComparison.OrdinalIgnoreCase)).Key ?? tier }
                : null,
        };
    }

    internal static Input FromArm(ArmJobInput input)
    {
        if (string.Equals(input.JobInputType, "literal", StringComparison.OrdinalIgnoreCase))
        {
            return Input.Literal(input.Value ?? "").WithDescription(input.Description);
        }
        var type = YamlNames.InputTypes.TryGetValue(input.JobInputType ?? "", out var t) ? t : InputType.UriFolder;
        var mode = InputModes.FirstOrDefault(m => string.Equals(m.Value, input.Mode, StringComparison.OrdinalIgnoreCase));
        return Input.Data(type, input.Uri ?? "", input.Mode is null ? null : mode.Key, input.Description);
    }

    internal static Output FromArm(ArmJobOutput output)
    {
        var type = YamlNames.OutputTypes.TryGetValue(output.JobOutputType ?? "", out var t) ? t : OutputType.UriFolder;
        var mode = OutputModes.FirstOrDefault(m => string.Equals(m.Value, output.Mode, StringComparison.OrdinalIgnoreCase));
        return Output.Create(type, output.Uri, output.Mode is null ? null : mode.Key, output.AssetName, null, output.Description);
    }

    internal static JobService FromArm(ArmJobService service)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in service.Properties ?? [])
        {
            if (key is not ("logDir" or "sshPublicKeys"))
            {
                properties[key] = value ?? "";
            }
        }
        return new JobService
        {
            Type = ServiceTypes.FirstOrDefault(s => string.Equals(s.Value, service.JobServiceType, StringComparison.OrdinalIgnoreCase)).Key ?? service.JobServiceType ?? "",
            Port = service.Port,
            Nodes = service.Nodes is null ? null : "all",
            LogDir = service.Properties?.GetValueOrDefault("logDir"),
            SshPublicKeys = service.Properties?.GetValueOrDefault("sshPublicKeys"),
            Properties = properties,
        };
    }

    /// <summary>An asset version's ARM id as <c>azureml:name:version</c>; registry ids and anything else as they are.</summary>
    internal static string AssetFromId(string id)
    {
        var reference = AssetReference.Parse(id);
        return reference.Kind == AssetReferenceKind.ArmId && reference.Version is not null && reference.Name is not null
            && id.Contains("/workspaces/", StringComparison.OrdinalIgnoreCase)
            ? $"azureml:{reference.Name}:{reference.Version}"
            : id;
    }

    /// <summary>A compute's ARM id as its name.</summary>
    internal static string ComputeFromId(string id)
    {
        var marker = id.IndexOf("/computes/", StringComparison.OrdinalIgnoreCase);
        return marker >= 0 ? id[(marker + "/computes/".Length)..].TrimEnd('/') : id;
    }

    internal static Dictionary<string, string?>? Nullable(IDictionary<string, string> values) =>
        values.Count == 0 ? null : values.ToDictionary(v => v.Key, v => (string?)v.Value, StringComparer.Ordinal);

    internal static Dictionary<string, string> NonNull(Dictionary<string, string?>? values) =>
        values?.ToDictionary(v => v.Key, v => v.Value ?? "", StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A plain value (text, number, boolean, list, mapping) as JSON.</summary>
    internal static JsonElement ToJson(object? value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, value);
        }
        using var doc = JsonDocument.Parse(buffer.ToArray());
        return doc.RootElement.Clone();

        static void Write(Utf8JsonWriter w, object? v)
        {
            switch (v)
            {
                case null:
                    w.WriteNullValue();
                    break;
                case bool b:
                    w.WriteBooleanValue(b);
                    break;
                case long l:
                    w.WriteNumberValue(l);
                    break;
                case int i:
                    w.WriteNumberValue(i);
                    break;
                case double d when double.IsFinite(d):
                    w.WriteNumberValue(d);
                    break;
                case JsonElement e:
                    e.WriteTo(w);
                    break;
                case IEnumerable<KeyValuePair<string, object?>> map:
                    w.WriteStartObject();
                    foreach (var (k, item) in map)
                    {
                        w.WritePropertyName(k);
                        Write(w, item);
                    }
                    w.WriteEndObject();
                    break;
                case string s:
                    w.WriteStringValue(s);
                    break;
                case System.Collections.IEnumerable list:
                    w.WriteStartArray();
                    foreach (var item in list)
                    {
                        Write(w, item);
                    }
                    w.WriteEndArray();
                    break;
                default:
                    w.WriteStringValue(Convert.ToString(v, CultureInfo.InvariantCulture));
                    break;
            }
        }
    }

    /// <summary>JSON as a plain value (the inverse of <see cref="ToJson"/>).</summary>
    internal static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
