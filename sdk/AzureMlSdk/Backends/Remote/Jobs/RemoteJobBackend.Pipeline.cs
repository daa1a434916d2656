using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Local.Jobs;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Jobs;
using AzureMlSdk.Jobs.Pipeline;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk.Backends.Remote.Jobs;

/// <summary>
/// Pipeline jobs on Azure ML (and the Emulator), submitted as azure-ai-ml submits them: every step runs a component version — an inline
/// command step (and a step of a local component file) as an anonymous component (<c>azureml_anonymous</c>, version = a hash of its
/// content, <c>isAnonymous: true</c>) created first with its code uploaded and its environment resolved as a command job's, a registered
/// component (<c>azureml:train:10</c>, <c>@latest</c>) by its ARM id — and the 2026-07-01 <c>PipelineJob</c> body's <c>jobs</c> name them by
/// <c>componentId</c>. Everything Local checks at submit is checked here first, with the same exception types: the graph (cycle, bindings),
/// an unknown component or compute, a registered component's inputs and outputs.
/// </summary>
internal sealed partial class RemoteJobBackend
{
    /// <summary>The name of every anonymous component (azure-ai-ml's <c>ANONYMOUS_COMPONENT_NAME</c>).</summary>
    internal const string AnonymousComponentName = "azureml_anonymous";

    private async Task<JobData> CreatePipelineAsync(PipelineJob pipeline, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        pipeline.Validate();
        var name = pipeline.Name ?? JobNameGenerator.New();
        var computes = await ResolvePipelineComputesAsync(pipeline, cancellationToken).ConfigureAwait(false);

        // Registered components are looked up and bound (as Local does), then the graph is checked again with every step's outputs known.
        var componentIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var resolved = new Dictionary<string, JobDefinition>(StringComparer.Ordinal);
        foreach (var (step, definition) in pipeline.Jobs)
        {
            resolved[step] = definition;
            if (definition is PipelineComponentJob reference)
            {
                var (id, bound) = await ResolveRegisteredComponentAsync(step, reference, pipeline, cancellationToken).ConfigureAwait(false);
                componentIds[step] = id;
                resolved[step] = (JobDefinition?)bound ?? reference;
            }
            else if (definition is SweepJob { Trial: null, TrialComponent: { } trialComponent } sweepStep)
            {
                // A sweep step over a registered component: its id is the node's trial; bound as Local binds it for the checks.
                var (id, component) = await GetRegisteredComponentAsync(step, trialComponent, cancellationToken).ConfigureAwait(false);
                componentIds[step] = id;
                resolved[step] = component is null ? sweepStep : PipelineJobExecutor.BindSweepTrial(step, component, sweepStep, pipeline);
            }
        }
        var problems = new Problems(pipeline.Source);
        PipelineGraph.CollectProblems(PipelineJobExecutor.Copy(pipeline, resolved), problems);
        problems.ThrowIfAny();

        // Every inline step (a sweep step's trial too) names its environment, checked before any step's component is created.
        foreach (var (step, definition) in pipeline.Jobs)
        {
            var missing = definition switch
            {
                CommandJob command when (StepComponent(pipeline, resolved, command).Environment ?? command.Environment) is null => "environment",
                SweepJob { Trial: { } trial } sweep when (TrialComponent(pipeline, resolved, sweep).Environment ?? trial.Environment) is null => "trial.environment",
                _ => null,
            };
            if (missing is not null)
            {
                throw new JobDefinitionException($"step '{step}': {NoEnvironment}", pipeline.SourcePath, key: $"jobs.{step}.{missing}");
            }
        }

        // Each command step's component, created anonymously (its code uploaded, its environment resolved); its local data inputs uploaded.
        var stepInputUris = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (step, definition) in pipeline.Jobs)
        {
            if (definition is CommandJob command)
            {
                componentIds[step] = await CreateStepComponentAsync(pipeline, step, StepComponent(pipeline, resolved, command), command, "", progress, cancellationToken).ConfigureAwait(false);
            }
            else if (definition is SweepJob { Trial: { } trial } sweep)
            {
                componentIds[step] = await CreateStepComponentAsync(pipeline, step, TrialComponent(pipeline, resolved, sweep), trial, "trial.", progress, cancellationToken).ConfigureAwait(false);
            }
            if (PipelineGraph.InputsOf(definition) is not { } inputs)
            {
                continue;
            }
            foreach (var (inputName, input) in inputs)
            {
                if (input.IsLiteral || input.Path is null)
                {
                    continue;
                }
                if (Binding.Mentions(input.Path))
                {
                    stepInputUris[$"{step}.{inputName}"] = input.Path; // a binding written as a data input's path travels as it is
                    continue;
                }
                var holder = new CommandJob { Command = "true", Inputs = new Dictionary<string, Input>(StringComparer.Ordinal) { [inputName] = input }, Source = pipeline.Source };
                string? uri;
                try
                {
                    uri = await ResolveInputAsync(holder, inputName, input, progress, cancellationToken).ConfigureAwait(false);
                }
                catch (JobDefinitionException ex)
                {
                    throw new JobDefinitionException($"step '{step}': {ex.Reason}", pipeline.SourcePath, key: $"jobs.{step}.inputs.{inputName}.path");
                }
                if (uri is not null)
                {
                    stepInputUris[$"{step}.{inputName}"] = uri;
                }
            }
        }

        var inputUris = new Dictionary<string, string>(StringComparer.Ordinal);
        var pipelineInputs = new CommandJob { Command = "true", Inputs = pipeline.Inputs, Source = pipeline.Source };
        foreach (var (inputName, input) in pipeline.Inputs)
        {
            if (!input.IsLiteral && input.Path is not null && !input.IsBinding
                && await ResolveInputAsync(pipelineInputs, inputName, input, progress, cancellationToken).ConfigureAwait(false) is { } uri)
            {
                inputUris[inputName] = uri;
            }
        }

        var body = ArmPipelineJobMapping.ToArm(pipeline, new ArmPipelineReferences
        {
            ComponentIds = componentIds,
            ComputeId = c => computes.TryGetValue(c, out var id) && id is not null ? id : c,
            DatastoreId = d => $"{_ws.ResourceId}/datastores/{d}",
            InputUris = inputUris,
            StepInputUris = stepInputUris,
        });
        body.Name = name;
        var stored = await _jobs.CreateOrUpdateJobAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, name, ArmPipelineJobWire.ToWire(body), cancellationToken).ConfigureAwait(false);
        return ToJobData(stored, null);
    }

    /// <summary>Every compute the pipeline names (its own, <c>default_compute</c>, each step's) → its ARM id; an unknown one is a <see cref="ResourceNotFoundException"/> naming it.</summary>
    private async Task<Dictionary<string, string?>> ResolvePipelineComputesAsync(PipelineJob pipeline, CancellationToken cancellationToken)
    {
        var names = new[] { pipeline.ComputeName, pipeline.Settings.DefaultComputeName }.Concat(pipeline.Jobs.Values.Select(s => s?.ComputeName))
            .Where(n => n is not null).Select(n => n!).Distinct(StringComparer.Ordinal);
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var compute in names)
        {
            result[compute] = await ResolveComputeIdAsync(compute, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>
    /// A registered component step: its ARM id and the command job it binds to (checked as Local checks it); an unknown component is a
    /// <see cref="ResourceNotFoundException"/> naming the step. A registry component is sent by its id without being read here (null job).
    /// </summary>
    private async Task<(string Id, CommandJob? Bound)> ResolveRegisteredComponentAsync(string step, PipelineComponentJob reference, PipelineJob pipeline, CancellationToken cancellationToken)
    {
        var (id, component) = await GetRegisteredComponentAsync(step, reference.Component, cancellationToken).ConfigureAwait(false);
        return (id, component is null ? null : PipelineJobExecutor.BindComponent(step, component, component.Version!, reference, pipeline));
    }

    /// <summary>
    /// A registered component a step names (<c>azureml:train:10</c>, <c>@latest</c> pinned to its version): its ARM id and its definition
    /// (version set); a registry component is its id and no definition (not read here). An unknown one is a
    /// <see cref="ResourceNotFoundException"/> naming the step.
    /// </summary>
    private async Task<(string Id, CommandComponent? Component)> GetRegisteredComponentAsync(string step, string reference, CancellationToken cancellationToken)
    {
        var parsed = AssetReference.Parse(reference);
        if (parsed.Kind == AssetReferenceKind.RegistryAsset)
        {
            return (reference, null);
        }
        AssetVersion<CommandComponent> found;
        try
        {
            found = await _owner.Assets.GetComponentAsync(parsed.Name!, parsed.Version, parsed.Version is null ? parsed.Label ?? "latest" : null, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new ResourceNotFoundException($"Step '{step}' runs component '{reference}', which does not exist: {ex.Message}", innerException: ex);
        }
        var versioned = new CommandComponent(found.Definition) { Version = found.Version };
        return (found.Id.StartsWith('/') ? found.Id : AssetId("components", parsed.Name!, found.Version), versioned);
    }

    /// <summary>
    /// Creates the anonymous component version a step runs (<paramref name="source"/>: a command step's <see cref="StepComponent"/>, a sweep
    /// step's <see cref="TrialComponent"/>) with its code uploaded and its environment resolved as <paramref name="command"/>'s would be, and
    /// returns its ARM id. Problems are reported at <c>jobs.&lt;step&gt;.&lt;keyPrefix&gt;…</c>.
    /// </summary>
    private async Task<string> CreateStepComponentAsync(PipelineJob pipeline, string step, CommandComponent source, CommandJob command, string keyPrefix,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        string environmentId;
        CommandComponent prepared;
        try
        {
            environmentId = await ResolveEnvironmentAsync(PipelineSteps.With(command, environment: source.Environment ?? command.Environment), cancellationToken).ConfigureAwait(false);
            prepared = await AssetPreparation.PrepareComponentAsync(new CommandComponent(source) { Name = AnonymousComponentName, Version = null }, _owner.Assets, _owner.Datastores, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (JobDefinitionException ex)
        {
            throw new JobDefinitionException($"step '{step}': {ex.Reason}", pipeline.SourcePath, key: $"jobs.{step}.{keyPrefix}{ex.Key ?? "environment"}");
        }
        var anonymous = new CommandComponent(prepared) { Environment = JobEnvironment.FromReference(environmentId) };
        var versioned = new CommandComponent(anonymous) { Version = AnonymousVersion(anonymous) };
        var created = _owner.Assets is RemoteAssetStore store
            ? await store.CreateAnonymousComponentAsync(versioned, cancellationToken).ConfigureAwait(false)
            : await _owner.Assets.CreateComponentAsync(versioned, progress, cancellationToken).ConfigureAwait(false);
        return created.Id.StartsWith('/') ? created.Id : AssetId("components", AnonymousComponentName, created.Version);
    }

    /// <summary>
    /// The component a command step runs: its <see cref="CommandJob.Component"/> when it came from one, else one made of the step — its
    /// command, code, environment, resources, distribution and the inputs and outputs it declares, typed from their values or from what
    /// their bindings point at (a pipeline input's type, a step output's type).
    /// </summary>
    internal static CommandComponent StepComponent(PipelineJob pipeline, IReadOnlyDictionary<string, JobDefinition> resolved, CommandJob command) =>
        command.Component ?? new CommandComponent
        {
            Name = AnonymousComponentName,
            Command = command.Command ?? "",
            Code = command.Code,
            Environment = command.Environment,
            Resources = command.Resources,
            Distribution = command.Distribution,
            Inputs = DeclaredInputs(pipeline, resolved, command),
            Outputs = command.Outputs.ToDictionary(o => o.Key, o => new ComponentOutput { Type = o.Value.Type, Mode = o.Value.Mode, Description = o.Value.Description }, StringComparer.Ordinal),
        };

    /// <summary>
    /// The component a sweep step's trials run, as azure-ai-ml sends a sweep node's <c>trial</c>: the trial's own component when it came
    /// from one (its command as written, <c>${{inputs.x}}</c>), else one made of the trial as <see cref="StepComponent"/> makes a command
    /// step's — its command with each <c>${{search_space.x}}</c> written back as <c>${{inputs.x}}</c>, the sweep's other inputs and its
    /// outputs declared, and each swept parameter declared as an input typed from its distribution (<see cref="SweepSteps.SweptInputType"/>).
    /// </summary>
    internal static CommandComponent TrialComponent(PipelineJob pipeline, IReadOnlyDictionary<string, JobDefinition> resolved, SweepJob sweep)
    {
        var trial = sweep.Trial ?? throw new ArgumentException("the sweep step has no trial job.", nameof(sweep));
        if (trial.Component is { } component)
        {
            return component;
        }
        var swept = sweep.SearchSpace.Keys.ToHashSet(StringComparer.Ordinal);
        var asCommand = new CommandJob(trial)
        {
            Command = trial.Command is { } command ? SweepSteps.ComponentCommand(command) : null,
            Inputs = sweep.TrialInputs.Where(i => !swept.Contains(i.Key)).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal),
            Outputs = new Dictionary<string, Output>(sweep.TrialOutputs, StringComparer.Ordinal),
        };
        var made = StepComponent(pipeline, resolved, asCommand);
        var inputs = new Dictionary<string, ComponentInput>(made.Inputs, StringComparer.Ordinal);
        foreach (var (name, distribution) in sweep.SearchSpace)
        {
            inputs[name] = new ComponentInput { Type = SweepSteps.SweptInputType(distribution) };
        }
        return new CommandComponent(made)
        {
            EnvironmentVariables = new Dictionary<string, string>(trial.EnvironmentVariables, StringComparer.Ordinal),
            Inputs = inputs,
        };
    }

    /// <summary>
    /// An anonymous component's version, as azure-ai-ml's <c>_get_anonymous_hash</c>: a hash of its document (keys sorted) without
    /// <c>name</c>, <c>id</c> and <c>version</c>, so the same interface, command, code and environment give the same version. azure-ai-ml
    /// writes an MD5 as a 36-character GUID; asset versions are at most 30 characters here, so this is SHA-256 as 30 hex digits.
    /// </summary>
    internal static string AnonymousVersion(CommandComponent component)
    {
        var spec = AssetSpecs.ToSpec(component);
        spec.Remove("name");
        spec.Remove("id");
        spec.Remove("version");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(spec))))[..30];
    }

    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => JsonSerializer.Serialize(p.Key) + ":" + Canonical(p.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };

    /// <summary>An inline step's declared inputs: those it gives, typed; those its command names in an optional <c>$[[ … ]]</c> part without a value, optional.</summary>
    private static Dictionary<string, ComponentInput> DeclaredInputs(PipelineJob pipeline, IReadOnlyDictionary<string, JobDefinition> resolved, CommandJob command)
    {
        var inputs = command.Inputs.ToDictionary(i => i.Key, i => new ComponentInput
        {
            Type = DeclaredInputType(pipeline, resolved, i.Value),
            Mode = i.Value.Mode,
            Description = i.Value.Description,
        }, StringComparer.Ordinal);
        foreach (var placeholder in CommandTemplate.Parse(command.Command ?? "", []).Placeholders)
        {
            if (placeholder.Kind == PlaceholderKind.Input && !inputs.ContainsKey(placeholder.Name))
            {
                inputs[placeholder.Name] = new ComponentInput { Type = InputType.String, Optional = true };
            }
        }
        return inputs;
    }

    /// <summary>The type an inline step declares for an input: a literal's or data input's own, or what its binding points at.</summary>
    private static InputType DeclaredInputType(PipelineJob pipeline, IReadOnlyDictionary<string, JobDefinition> resolved, Input input)
    {
        switch (Binding.Of(input))
        {
            case { Kind: BindingKind.ParentInput } b when pipeline.Inputs.TryGetValue(b.Name, out var parentInput):
                return parentInput.Type;
            case { Kind: BindingKind.StepOutput } b when resolved.TryGetValue(b.Step!, out var producer)
                && PipelineGraph.OutputsOf(producer) is { } outputs && outputs.TryGetValue(b.Name, out var output):
                return output.Type switch
                {
                    OutputType.UriFile => InputType.UriFile,
                    OutputType.MLTable => InputType.MLTable,
                    OutputType.CustomModel => InputType.CustomModel,
                    OutputType.MLFlowModel => InputType.MLFlowModel,
                    OutputType.TritonModel => InputType.TritonModel,
                    _ => InputType.UriFolder,
                };
            case { Kind: BindingKind.StepOutput }:
                return InputType.UriFolder;
            default:
                return input.Type;
        }
    }
}
