using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Emulator.Arm;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Emulator.Jobs;

/// <summary>
/// Command jobs between ARM's 2026-07-01 <c>CommandJob</c> body and the local backend's <see cref="IJobBackend"/>: an incoming body as
/// a <see cref="CommandJob"/> whose references are the local workspace's (<c>azureml:name:version</c>, compute names), and a
/// <see cref="JobData"/> as the <c>JobBase</c> resource the service answers (ARM ids of this workspace, status, <c>systemData</c>).
/// </summary>
internal static class CommandJobResources
{
    /// <summary>The job property under which the Emulator keeps the hash of a job's immutable fields as submitted over ARM.</summary>
    internal const string DefinitionHashProperty = "azureml.emulator.definitionHash";

    /// <summary>The environment id answered for a job submitted without one (the local workspace runs jobs in the host's environment).</summary>
    internal const string HostEnvironment = "azureml:host";

    /// <summary>
    /// The job property under which the Emulator keeps the code id a job was submitted with when it runs from a local snapshot of
    /// another name (<see cref="JobFiles.MaterializeCodeAsync"/>), so the job is answered with the <c>codeId</c> it was given.
    /// </summary>
    internal const string SubmittedCodeProperty = "azureml.emulator.codeId";

    private static readonly string[] MutableProperties = ["description", "tags", "displayName", "isArchived", "status", "services", "properties"];

    /// <summary>Reads a PUT body of a command or sweep job (anything else is a 400 naming what is served), references made local.</summary>
    public static (JobDefinition Job, ArmResource<CommandJobProperties> Body) ReadAny(JsonObject body, string name)
    {
        var resource = JsonSerializer.Deserialize(body.ToJsonString(), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)
            ?? throw new ArmException(400, "InvalidRequestContent", "The request content must be a JobBase resource.");
        if (!ArmSweepJobMapping.IsSweep(resource))
        {
            var (command, commandBody) = Read(body, name);
            return (command, commandBody);
        }
        resource.Name = name;
        SweepJob sweep;
        try
        {
            sweep = ArmSweepJobMapping.FromArm(ArmSweepJobMapping.FromWire(resource));
        }
        catch (Exception ex) when (ex is FormatException or InvalidInputException)
        {
            throw new ArmException(400, "UserError", ex.Message);
        }
        var trial = sweep.Trial;
        var local = new SweepJob
        {
            Name = name,
            DisplayName = sweep.DisplayName,
            ExperimentName = sweep.ExperimentName,
            Description = sweep.Description,
            Tags = sweep.Tags,
            Properties = new Dictionary<string, string>(sweep.Properties, StringComparer.Ordinal) { [DefinitionHashProperty] = ImmutableHash(resource) },
            Compute = sweep.Compute,
            Identity = sweep.Identity,
            Services = sweep.Services,
            Trial = trial is null ? null : new CommandJob(trial) { Environment = trial.Environment?.Reference == HostEnvironment ? null : trial.Environment },
            SearchSpace = sweep.SearchSpace,
            SamplingAlgorithm = sweep.SamplingAlgorithm,
            Objective = sweep.Objective,
            Limits = sweep.Limits,
            EarlyTermination = sweep.EarlyTermination,
            Inputs = sweep.Inputs.ToDictionary(i => i.Key, i => i.Value.IsLiteral || i.Value.Path is null ? i.Value : i.Value.WithPath(ArmJobMapping.AssetFromId(i.Value.Path)), StringComparer.Ordinal),
            Outputs = sweep.Outputs,
            QueueSettings = sweep.QueueSettings,
        };
        return (local, resource);
    }

    /// <summary>Reads a PUT body: a command job (anything else is a 400 naming what is served), references made local.</summary>
    public static (CommandJob Job, ArmResource<CommandJobProperties> Body) Read(JsonObject body, string name)
    {
        var resource = JsonSerializer.Deserialize(body.ToJsonString(), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)
            ?? throw new ArmException(400, "InvalidRequestContent", "The request content must be a JobBase resource.");
        var type = resource.Properties?.JobType;
        if (!string.Equals(type, "Command", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArmException(400, "UserError", $"The Emulator runs command, sweep, pipeline and AutoML jobs; jobType '{type}' is not served.", "properties.jobType");
        }
        resource.Name = name;
        CommandJob job;
        try
        {
            job = ArmJobMapping.FromArm(resource);
        }
        catch (Exception ex) when (ex is FormatException or InvalidInputException)
        {
            throw new ArmException(400, "UserError", ex.Message);
        }
        var local = new CommandJob(job)
        {
            Properties = new Dictionary<string, string>(job.Properties, StringComparer.Ordinal) { [DefinitionHashProperty] = ImmutableHash(resource) },
            Environment = job.Environment?.Reference == HostEnvironment ? null : job.Environment,
            Inputs = job.Inputs.ToDictionary(i => i.Key, i => i.Value.IsLiteral || i.Value.Path is null ? i.Value : i.Value.WithPath(ArmJobMapping.AssetFromId(i.Value.Path)), StringComparer.Ordinal),
        };
        return (local, resource);
    }

    /// <summary><paramref name="job"/> running from the local snapshot <paramref name="code"/>, remembering the id it was submitted with.</summary>
    public static CommandJob WithCode(CommandJob job, string code, string submitted) => new(job)
    {
        Properties = new Dictionary<string, string>(job.Properties, StringComparer.Ordinal) { [SubmittedCodeProperty] = submitted },
        Code = code,
    };

    /// <summary>
    /// SHA-256 of a body's immutable fields (everything but description, tags, display name, archive state, status, services and
    /// properties), with ARM ids written as <c>azureml:name:version</c>: a replayed PUT matches the job it created.
    /// </summary>
    public static string ImmutableHash(ArmResource<CommandJobProperties> resource)
    {
        var node = JsonSerializer.SerializeToNode(resource.Properties, ArmJobJsonContext.Default.CommandJobProperties)!.AsObject();
        foreach (var key in MutableProperties)
        {
            node.Remove(key);
        }
        foreach (var key in new[] { "codeId", "environmentId" })
        {
            if (node[key]?.GetValue<string>() is { } id)
            {
                node[key] = ArmJobMapping.AssetFromId(id);
            }
        }
        if (node["computeId"]?.GetValue<string>() is { } compute)
        {
            node["computeId"] = ArmJobMapping.ComputeFromId(compute);
        }
        node["experimentName"] ??= "Default";
        if (node["inputs"] is JsonObject inputs)
        {
            foreach (var (_, input) in inputs)
            {
                if (input is JsonObject i && i["uri"]?.GetValue<string>() is { } uri)
                {
                    i["uri"] = ArmJobMapping.AssetFromId(uri);
                }
            }
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(node))));
    }

    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => JsonSerializer.Serialize(p.Key) + ":" + Canonical(p.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };

    /// <summary>A sweep job as ARM's <c>SweepJob</c> in the workspace <paramref name="workspaceId"/>: its trial's references as ARM ids, the state of the local job.</summary>
    private static JsonObject SweepToArm(string workspaceId, JobData job, SweepJob definition, Uri? studio)
    {
        var trial = definition.TrialFor();
        var references = ReferencesOf(workspaceId, job, trial, trial.Code);
        return ArmBody(workspaceId, job, studio, "sweep", () => ArmSweepJobMapping.ToArm(definition, references), ArmSweepJobJsonContext.Default.ArmResourceSweepJobProperties);
    }

    /// <summary>The ARM ids a command (or a sweep's trial) refers to, as this workspace names them; <paramref name="code"/> is its code version.</summary>
    private static ArmJobReferences ReferencesOf(string workspaceId, JobData job, CommandJob command, string? code) => new()
    {
        EnvironmentId = command.Environment?.Reference is { } env ? ArmId(workspaceId, "environments", env) : HostEnvironment,
        CodeId = code is null ? null : ArmId(workspaceId, "codes", code),
        ComputeId = job.Compute is { } compute ? $"{workspaceId}/computes/{compute}" : null,
        InputUris = command.Inputs.Where(i => !i.Value.IsLiteral && i.Value.Path is not null)
            .ToDictionary(i => i.Key, i => DataUri(workspaceId, i.Value.Path!), StringComparer.Ordinal),
        OutputUris = job.OutputUris,
    };

    /// <summary>
    /// What every job kind's ARM body reports of the stored job: state, names, tags, its properties without the Emulator's own, and its
    /// services (the studio link among them).
    /// </summary>
    internal static void ApplyJobState(ArmJobBaseProperties p, JobData job, Uri? studio)
    {
        p.Status = job.Status.ToString();
        p.IsArchived = job.IsArchived;
        p.DisplayName = job.DisplayName;
        p.ExperimentName = job.ExperimentName;
        p.Description = job.Description;
        p.Tags = job.Tags.Count == 0 ? null : job.Tags.ToDictionary(t => t.Key, t => (string?)t.Value, StringComparer.Ordinal);
        p.Properties = job.Properties.Where(x => x.Key is not (DefinitionHashProperty or SubmittedCodeProperty)).ToDictionary(x => x.Key, x => (string?)x.Value, StringComparer.Ordinal);
        p.Services = new Dictionary<string, ArmJobService?>(StringComparer.Ordinal);
        foreach (var (key, uri) in job.Services)
        {
            p.Services[key] = new ArmJobService { JobServiceType = key, Endpoint = uri.AbsoluteUri };
        }
        if (studio is not null)
        {
            p.Services.TryAdd("Studio", new ArmJobService { JobServiceType = "Studio", Endpoint = studio.AbsoluteUri });
        }
    }

    /// <summary>
    /// A job kind's ARM body: the resource <paramref name="map"/> makes (a definition it cannot map is the Emulator's 500, naming the
    /// job and its <paramref name="kind"/>), with the stored job's state and the resource envelope.
    /// </summary>
    internal static JsonObject ArmBody<TProperties>(string workspaceId, JobData job, Uri? studio, string kind, Func<ArmResource<TProperties>> map, JsonTypeInfo<ArmResource<TProperties>> typeInfo)
        where TProperties : ArmJobBaseProperties
    {
        ArmResource<TProperties> resource;
        try
        {
            resource = map();
        }
        catch (AzureMlException ex)
        {
            throw new ArmException(500, "InternalServerError", $"Job '{job.Name}' cannot be shown as an ARM {kind} job: {ex.Message}");
        }
        ApplyJobState(resource.Properties!, job, studio);
        return WithEnvelope(JsonSerializer.SerializeToNode(resource, typeInfo)!.AsObject(), workspaceId, job);
    }

    /// <summary>A data input's URI as ARM shows it: a registered data asset version as its ARM id, any other path as given.</summary>
    internal static string DataUri(string workspaceId, string path) =>
        AssetReference.Parse(path) is { Kind: AssetReferenceKind.Asset, Version: not null } ? "azureml:" + ArmId(workspaceId, "data", path) : path;

    /// <summary>The resource envelope of a job's ARM body: id, name, type and systemData.</summary>
    internal static JsonObject WithEnvelope(JsonObject node, string workspaceId, JobData job)
    {
        node["id"] = $"{workspaceId}/jobs/{job.Name}";
        node["name"] = job.Name;
        node["type"] = ArmEndpoints.Provider + "/workspaces/jobs";
        node["systemData"] = ArmEndpoints.SystemData(job.CreatedAt, job.EndedAt ?? job.StartedAt ?? job.CreatedAt);
        return node;
    }

    /// <summary>A job as ARM's <c>JobBase</c> in the workspace <paramref name="workspaceId"/> (its ARM id).</summary>
    public static JsonObject ToArm(string workspaceId, JobData job, Uri? studio = null)
    {
        if (job.Definition is AutoMLJob)
        {
            return AutoMLJobResources.ToArm(workspaceId, job, studio);
        }
        if (job.Definition is SweepJob sweep)
        {
            return SweepToArm(workspaceId, job, sweep, studio);
        }
        if (job.Definition is PipelineJob)
        {
            return PipelineJobResources.ToArm(workspaceId, job, studio);
        }
        var definition = job.Definition as CommandJob
            ?? throw new ArmException(500, "InternalServerError", $"Job '{job.Name}' is a {job.Type} job, which the Emulator does not serve over ARM yet.");
        var references = ReferencesOf(workspaceId, job, definition, job.Properties.GetValueOrDefault(SubmittedCodeProperty) ?? definition.Code);
        return ArmBody(workspaceId, job, studio, "command", () => ArmJobMapping.ToArm(definition, references), ArmJobJsonContext.Default.ArmResourceCommandJobProperties);
    }

    /// <summary><c>azureml:name:version</c> as this workspace's ARM id of <paramref name="type"/>; other references as they are.</summary>
    internal static string ArmId(string workspaceId, string type, string reference)
    {
        var r = AssetReference.Parse(reference);
        return r.Kind == AssetReferenceKind.Asset && r.Version is not null ? $"{workspaceId}/{type}/{r.Name}/versions/{r.Version}" : reference;
    }

    /// <summary>Run history's <c>status</c> of a job state.</summary>
    internal static string HistoryStatus(JobStatus status) => status.ToString();

    /// <summary>An ISO 8601 UTC time, as run history writes it.</summary>
    internal static string? Time(DateTimeOffset? t) => t?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
