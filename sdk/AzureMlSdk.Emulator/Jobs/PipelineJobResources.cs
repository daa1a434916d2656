using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Local.Jobs;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Emulator.Arm;
using AzureMlSdk.Jobs;
using AzureMlSdk.Jobs.Pipeline;

namespace AzureMlSdk.Emulator.Jobs;

/// <summary>
/// Pipeline jobs between ARM's 2026-07-01 <c>PipelineJob</c> body and the local backend, which runs them with the local workspace's engine
/// (<see cref="PipelineJobExecutor"/>: steps as child jobs, step reuse, outputs, cancel). A PUT body's steps name component versions by
/// <c>componentId</c> (the Remote client created them through this Emulator's component routes, so they are in the workspace's local asset
/// store): each is read, its code version copied from the blob container into a local snapshot (as a command job's is), its ARM references
/// made local, its literal inputs typed by the component's declared types (ARM carries every literal as text), and bound to the step's
/// inputs and outputs exactly as Local binds a registered component (<see cref="PipelineJobExecutor.BindComponent"/>). A sweep node
/// (<c>type: sweep</c>) names its trial's component version by <c>trial.componentId</c>: it is made local the same way and bound as Local
/// binds a trial component (<see cref="PipelineJobExecutor.BindSweepTrial"/>), so the engine runs the step as a sweep job — its trials the
/// step's children, its outputs the best trial's, reused under Local's rule. A stored pipeline
/// is answered as the <c>PipelineJob</c> the service returns, its steps naming their component versions.
/// </summary>
internal static class PipelineJobResources
{
    /// <summary>Whether a PUT body is a pipeline job.</summary>
    public static bool IsPipeline(JsonObject body) =>
        string.Equals(body["properties"]?["jobType"]?.GetValue<string>(), "Pipeline", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Jobs_CreateOrUpdate of a pipeline: 201 and the pipeline handed to the local backend (its supervisor runs it). A PUT of an existing
    /// pipeline with the same immutable fields updates the mutable ones (description, tags, display name, archive state) and answers 200;
    /// different immutable fields are a 400. Bad input is answered as Local reports it: a graph error (cycle, binding) or a step's inputs
    /// that do not fit its component 400, an unknown component, compute or data 404, each with Azure's error shape and the message naming it.
    /// </summary>
    public static async Task PutAsync(ArmEndpoints.ArmCall call, JsonObject body, string id, int retryAfterSeconds, Uri studio)
    {
        var resource = JsonSerializer.Deserialize(body.ToJsonString(), ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties)
            ?? throw new ArmException(400, "InvalidRequestContent", "The request content must be a JobBase resource.");
        resource.Name = id;
        PipelineJob arm;
        try
        {
            arm = ArmPipelineJobMapping.FromArm(resource);
        }
        catch (Exception ex) when (ex is FormatException or InvalidInputException)
        {
            throw new ArmException(400, "UserError", ex.Message, "properties.jobs");
        }
        var commandShaped = JsonSerializer.Deserialize(body.ToJsonString(), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!;
        commandShaped.Name = id;
        var hash = CommandJobResources.ImmutableHash(commandShaped);
        var ct = call.Context.RequestAborted;
        var jobs = call.Workspace.Backend.Jobs;
        JobData? existing;
        try
        {
            existing = await jobs.GetAsync(id, ct).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            existing = null;
        }
        if (existing is not null)
        {
            await UpdateAsync(call, arm, commandShaped, hash, existing, studio).ConfigureAwait(false);
            return;
        }
        JobData stored;
        try
        {
            var pipeline = await ResolveAsync(call, arm, hash, Timeouts(resource), ct).ConfigureAwait(false);
            stored = await jobs.CreateOrUpdateAsync(pipeline, null, ct).ConfigureAwait(false);
        }
        catch (JobDefinitionException ex)
        {
            throw new ArmException(400, "UserError", ex.Message, ex.Key is null ? null : "properties." + ex.Key);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new ArmException(404, "ResourceNotFound", ex.Message);
        }
        catch (Exception ex) when (ex is InvalidInputException or AzureMlNotSupportedException)
        {
            throw new ArmException(400, "UserError", ex.Message);
        }
        if (resource.Properties?.IsArchived == true)
        {
            await jobs.ArchiveAsync(id, true, ct).ConfigureAwait(false);
            stored = await jobs.GetAsync(id, ct).ConfigureAwait(false);
        }
        call.Context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await ArmEndpoints.WriteAsync(call.Context, 201, ToArm(call.Workspace.ResourceId, stored, studio)).ConfigureAwait(false);
    }

    /// <summary>A PUT of an existing job: the same pipeline replayed (or read back and PUT to archive it) updates its mutable fields.</summary>
    private static async Task UpdateAsync(ArmEndpoints.ArmCall call, PipelineJob arm, ArmResource<CommandJobProperties> incoming, string hash, JobData existing, Uri studio)
    {
        var id = existing.Name;
        var ct = call.Context.RequestAborted;
        var jobs = call.Workspace.Backend.Jobs;
        if (existing.Type != JobType.Pipeline)
        {
            throw new ArmException(400, "UserError", $"Job '{id}' exists and is a {JobDefinition.YamlType(existing.Type)} job; submit the pipeline under another name.");
        }
        var answered = JsonSerializer.Deserialize(ToArm(call.Workspace.ResourceId, existing).ToJsonString(), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!;
        if (existing.Properties.TryGetValue(CommandJobResources.DefinitionHashProperty, out var stored)
            && !string.Equals(stored, hash, StringComparison.Ordinal)
            && !string.Equals(CommandJobResources.ImmutableHash(answered), hash, StringComparison.Ordinal))
        {
            throw new ArmException(400, "UserError",
                $"Job '{id}' already exists with a different definition; only its description, tags, display name and archive state can be changed. Submit the new definition under a new name.");
        }
        var mutableChanged = existing.Description != arm.Description || (arm.DisplayName is not null && existing.DisplayName != arm.DisplayName)
            || !existing.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).SequenceEqual(arm.Tags.OrderBy(t => t.Key, StringComparer.Ordinal));
        if (mutableChanged)
        {
            try
            {
                await jobs.CreateOrUpdateAsync(arm, null, ct).ConfigureAwait(false); // an existing job: only its mutable fields change
            }
            catch (ResourceExistsException ex)
            {
                throw new ArmException(400, "UserError", ex.Message);
            }
        }
        if (incoming.Properties?.IsArchived is { } archived && archived != existing.IsArchived)
        {
            await jobs.ArchiveAsync(id, archived, ct).ConfigureAwait(false);
        }
        var now = await jobs.GetAsync(id, ct).ConfigureAwait(false);
        await ArmEndpoints.WriteAsync(call.Context, 200, ToArm(call.Workspace.ResourceId, now, studio)).ConfigureAwait(false);
    }

    /// <summary>The pipeline the local backend runs: each step its component bound, references local, data copied from the blob container.</summary>
    private static async Task<PipelineJob> ResolveAsync(ArmEndpoints.ArmCall call, PipelineJob arm, string hash, Dictionary<string, TimeSpan> timeouts, CancellationToken ct)
    {
        var inputs = arm.Inputs.ToDictionary(i => i.Key, i => Local(i.Value), StringComparer.Ordinal);
        var shell = new PipelineJob
        {
            Name = arm.Name,
            DisplayName = arm.DisplayName,
            ExperimentName = arm.ExperimentName,
            Description = arm.Description,
            Tags = arm.Tags,
            Properties = new Dictionary<string, string>(arm.Properties, StringComparer.Ordinal) { [CommandJobResources.DefinitionHashProperty] = hash },
            Compute = arm.Compute,
            Identity = arm.Identity,
            Services = arm.Services,
            Inputs = inputs,
            Outputs = arm.Outputs,
            Settings = arm.Settings,
        };
        var steps = new Dictionary<string, JobDefinition>(StringComparer.Ordinal);
        foreach (var (name, step) in arm.Jobs)
        {
            switch (step)
            {
                case PipelineComponentJob reference:
                    var bound = await ResolveStepAsync(call, name, reference, shell, ct).ConfigureAwait(false);
                    steps[name] = timeouts.TryGetValue(name, out var timeout) ? PipelineSteps.With(bound, limits: new CommandJobLimits { Timeout = timeout }) : bound;
                    break;
                case SweepJob { TrialComponent: not null } sweep:
                    steps[name] = await ResolveSweepStepAsync(call, name, sweep, shell, ct).ConfigureAwait(false);
                    break;
                default:
                    throw new JobDefinitionException($"step '{name}' is a {JobDefinition.YamlType(step.Type)} step; the Emulator runs steps that name a component version (componentId, or a sweep node's trial.componentId).", null, key: $"jobs.{name}");
            }
        }
        var pipeline = PipelineJobExecutor.Copy(shell, steps);
        var problems = new Problems(null);
        PipelineGraph.CollectProblems(pipeline, problems);
        problems.ThrowIfAny();

        // The engine reads datastore inputs from the local datastore: the Remote client uploaded them to the blob container.
        var data = new Dictionary<string, Input>(StringComparer.Ordinal);
        foreach (var (name, input) in inputs)
        {
            data["pipeline." + name] = input;
        }
        foreach (var (step, definition) in steps)
        {
            foreach (var (name, input) in definition is SweepJob sweep ? sweep.TrialInputs : (IEnumerable<KeyValuePair<string, Input>>)((CommandJob)definition).Inputs)
            {
                data[step + "." + name] = input;
            }
        }
        await JobFiles.MaterializeInputsAsync(call.Registry, call.Workspace, new CommandJob { Command = "true", Inputs = data }, ct).ConfigureAwait(false);
        return pipeline;
    }

    /// <summary>
    /// One step: its component version read from the workspace (an unknown one is a <see cref="ResourceNotFoundException"/> naming the step,
    /// as on Local), its code made a local snapshot, ARM ids made <c>azureml:name:version</c>, literal inputs typed, then bound.
    /// </summary>
    private static async Task<CommandJob> ResolveStepAsync(ArmEndpoints.ArmCall call, string step, PipelineComponentJob reference, PipelineJob pipeline, CancellationToken ct)
    {
        var local = await LocalComponentAsync(call, step, reference.Component, "componentId", ct).ConfigureAwait(false);
        var typed = new PipelineComponentJob
        {
            Component = reference.Component,
            Compute = reference.Compute,
            DisplayName = reference.DisplayName,
            Description = reference.Description,
            Tags = reference.Tags,
            Properties = reference.Properties,
            EnvironmentVariables = reference.EnvironmentVariables,
            Outputs = reference.Outputs,
            Inputs = TypedInputs(reference.Inputs, local),
        };
        return PipelineJobExecutor.BindComponent(step, local, local.Version!, typed, pipeline);
    }

    /// <summary>
    /// A sweep step (a <c>type: sweep</c> node): its trial component version read and made local as a command step's is, its literal inputs
    /// typed, then bound as Local binds a trial component (<see cref="PipelineJobExecutor.BindSweepTrial"/>: the swept inputs'
    /// <c>${{inputs.x}}</c> become <c>${{search_space.x}}</c>), so the local engine runs it as a sweep whose trials are the step's children.
    /// </summary>
    private static async Task<SweepJob> ResolveSweepStepAsync(ArmEndpoints.ArmCall call, string step, SweepJob sweep, PipelineJob pipeline, CancellationToken ct)
    {
        var local = await LocalComponentAsync(call, step, sweep.TrialComponent!, "trial.componentId", ct).ConfigureAwait(false);
        return PipelineJobExecutor.BindSweepTrial(step, local, SweepSteps.With(sweep, null, TypedInputs(sweep.Inputs, local)), pipeline);
    }

    /// <summary>A step's inputs with ARM ids made local and text literals typed by the component's declared inputs.</summary>
    private static Dictionary<string, Input> TypedInputs(IDictionary<string, Input> inputs, CommandComponent component) =>
        inputs.ToDictionary(i => i.Key, i => Typed(Local(i.Value), component.Inputs.TryGetValue(i.Key, out var declared) ? declared : null), StringComparer.Ordinal);

    /// <summary>
    /// The component version a step names, read from the workspace (an unknown one is a <see cref="ResourceNotFoundException"/> naming the
    /// step, as on Local): its code made a local snapshot, its environment's ARM id made <c>azureml:name:version</c>, its version set.
    /// </summary>
    private static async Task<CommandComponent> LocalComponentAsync(ArmEndpoints.ArmCall call, string step, string reference, string key, CancellationToken ct)
    {
        var ws = call.Workspace;
        var parsed = AssetReference.Parse(reference);
        if (parsed.Kind == AssetReferenceKind.RegistryAsset)
        {
            // Azure ML reads a registry component from its registry; the Emulator, like the local workspace, has none.
            throw new JobDefinitionException($"step '{step}' runs registry component '{reference}', but the Emulator has no registries (it works offline, as the local "
                + $"workspace does): register the component in this workspace (ws.Components.CreateOrUpdateAsync, az ml component create) and name it "
                + $"{PipelineJobExecutor.WorkspaceReference(parsed)}.", null, key: $"jobs.{step}.{key}");
        }
        if (parsed.Kind != AssetReferenceKind.Asset || parsed.Name is null || parsed.Version is null)
        {
            throw new JobDefinitionException($"step '{step}' runs component '{reference}': the Emulator runs component versions of this workspace ({key} = …/workspaces/<ws>/components/<name>/versions/<version>).", null, key: $"jobs.{step}.{key}");
        }
        AssetVersion<CommandComponent> found;
        try
        {
            found = await ws.Backend.Assets.GetComponentAsync(parsed.Name, parsed.Version, null, ct).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new ResourceNotFoundException($"Step '{step}' runs component '{reference}', which does not exist: {ex.Message}", innerException: ex);
        }
        var component = found.Definition;
        var code = component.Code;
        if (code is not null)
        {
            var materialized = await JobFiles.MaterializeCodeAsync(call.Registry, ws, new CommandJob { Command = "true", Code = ArmJobMapping.AssetFromId(code) }, ct).ConfigureAwait(false);
            code = materialized.Code;
        }
        var environment = component.Environment?.Reference is { } env ? JobEnvironment.FromReference(ArmJobMapping.AssetFromId(env)) : component.Environment;
        return new CommandComponent(component) { Version = found.Version, Code = code, Environment = environment };
    }

    /// <summary>Each step's <c>limits.timeout</c> (ISO 8601), which the step's command job keeps.</summary>
    private static Dictionary<string, TimeSpan> Timeouts(ArmResource<PipelineJobProperties> resource)
    {
        var result = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        if (resource.Properties?.Jobs is not { ValueKind: JsonValueKind.Object } jobs)
        {
            return result;
        }
        foreach (var step in jobs.EnumerateObject())
        {
            if (step.Value.ValueKind == JsonValueKind.Object && step.Value.TryGetProperty("limits", out var limits) && limits.ValueKind == JsonValueKind.Object
                && limits.TryGetProperty("timeout", out var timeout) && timeout.ValueKind == JsonValueKind.String)
            {
                try
                {
                    result[step.Name] = System.Xml.XmlConvert.ToTimeSpan(timeout.GetString()!);
                }
                catch (FormatException)
                {
                    throw new ArmException(400, "UserError", $"step '{step.Name}' has limits.timeout '{timeout.GetString()}', which is not an ISO 8601 duration.", $"properties.jobs.{step.Name}.limits.timeout");
                }
            }
        }
        return result;
    }

    /// <summary>A data input naming an ARM id of this workspace as <c>azureml:name:version</c>; anything else as it is.</summary>
    private static Input Local(Input input) => input.IsLiteral || input.Path is null ? input : input.WithPath(ArmJobMapping.AssetFromId(input.Path));

    /// <summary>ARM's text literal as the declared literal type (<c>"10"</c> for an integer input is 10); bindings and other text unchanged.</summary>
    private static Input Typed(Input input, ComponentInput? declared)
    {
        if (declared is null || !input.IsLiteral || input.IsBinding || input.Value is not string text)
        {
            return input;
        }
        return declared.Type switch
        {
            InputType.Integer when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => Input.Literal(l),
            InputType.Number when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => Input.Literal(d),
            InputType.Boolean when bool.TryParse(text, out var b) => Input.Literal(b),
            _ => input,
        };
    }

    /// <summary>A pipeline job as ARM's <c>PipelineJob</c> in <paramref name="workspaceId"/>: each step naming its component version, the local job's state.</summary>
    public static JsonObject ToArm(string workspaceId, JobData job, Uri? studio = null)
    {
        var definition = (PipelineJob)job.Definition;
        var componentIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var stepInputUris = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, step) in definition.Jobs)
        {
            componentIds[name] = (step switch { CommandJob c => c.Component, SweepJob s => s.Trial?.Component, _ => null }) is { Version: not null } component
                ? $"{workspaceId}/components/{component.Name}/versions/{component.Version}"
                : $"{workspaceId}/components/{RemoteAnonymous}";
            foreach (var (input, value) in PipelineGraph.InputsOf(step) ?? new Dictionary<string, Input>())
            {
                if (!value.IsLiteral && value.Path is { } path)
                {
                    stepInputUris[$"{name}.{input}"] = CommandJobResources.DataUri(workspaceId, path);
                }
            }
        }
        return CommandJobResources.ArmBody(workspaceId, job, studio, "pipeline", () => ArmPipelineJobMapping.ToArm(definition, new ArmPipelineReferences
        {
            ComponentIds = componentIds,
            ComputeId = c => $"{workspaceId}/computes/{c}",
            DatastoreId = d => $"{workspaceId}/datastores/{d}",
            InputUris = definition.Inputs.Where(i => !i.Value.IsLiteral && i.Value.Path is not null)
                .ToDictionary(i => i.Key, i => CommandJobResources.DataUri(workspaceId, i.Value.Path!), StringComparer.Ordinal),
            StepInputUris = stepInputUris,
            OutputUris = job.OutputUris,
        }), ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties);
    }

    private const string RemoteAnonymous = "azureml_anonymous";

}
