using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using AzureMlSdk.Assets;
using AzureMlSdk.Jobs;
using AzureMlSdk.Jobs.Pipeline;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// Runs pipeline jobs on the local engine (an orchestrator: it holds no compute slot). At submit (<see cref="PrepareAsync"/>): the graph is
/// checked (cycles, bindings), registered components are looked up (<c>azureml:train:10</c>, <c>@latest</c> pinned to its version) and
/// bound, each step's component and code are snapshotted and its references and compute checked as a command job's are, and each pipeline
/// output gets its datastore URI (<c>azureml/&lt;pipeline&gt;/&lt;output&gt;/</c>). When it runs: steps are submitted as child command jobs
/// (display name = step name, properties <c>azureml.nodeid</c>, <c>azureml.pipelinerunid</c>) as soon as the steps they depend on have
/// completed, so independent steps run at the same time (their computes' slots bound how many); a step's bound inputs become the
/// pipeline's inputs or the producing child's output (<c>azureml://jobs/&lt;child&gt;/outputs/&lt;o&gt;</c>). A deterministic step whose
/// reuse key (<see cref="PipelineStepReuse"/>) matches an earlier completed step completes at once with that step's outputs (properties
/// <c>azureml.isreused=true</c>, <c>azureml.reusedrunid</c>). A failed step fails the pipeline: the other running steps are canceled unless
/// <c>continue_on_step_failure</c>, and steps downstream of a failed one never run. At the end the outputs of steps bound to pipeline
/// outputs (<c>${{parent.outputs.x}}</c>) are copied to the pipeline's outputs. The pipeline's log says what happened to each step.
/// </summary>
internal sealed class PipelineJobExecutor : IJobExecutor
{
    /// <summary>The pipeline property mapping each step to its child job (JSON object), updated as steps start.</summary>
    public const string StepJobsProperty = "azureml.pipeline.stepJobs";

    private static readonly CommandJobExecutor Commands = new();

    public JobType Type => JobType.Pipeline;

    public bool UsesComputeSlot => false;

    public string Serialize(JobDefinition definition) => PipelineJobJson.Write((PipelineJob)definition);

    public JobDefinition Deserialize(string json) => PipelineJobJson.Read(json);

    public async Task<PreparedJob> PrepareAsync(JobDefinition definition, JobSubmitContext context, CancellationToken cancellationToken)
    {
        var pipeline = (PipelineJob)definition;
        var backend = context.Backend;
        var defaultCompute = pipeline.Settings.DefaultComputeName ?? pipeline.ComputeName;
        await RequireComputeAsync(backend, defaultCompute ?? LocalComputeBackend.LocalComputeName, cancellationToken).ConfigureAwait(false);

        // Registered components are looked up and bound; then the graph is checked again with every step's outputs known.
        var resolved = new Dictionary<string, JobDefinition>(StringComparer.Ordinal);
        foreach (var (name, step) in pipeline.Jobs)
        {
            resolved[name] = step switch
            {
                PipelineComponentJob reference => await ResolveComponentAsync(backend, name, reference, pipeline, cancellationToken).ConfigureAwait(false),
                SweepJob { Trial: null, TrialComponent: { } trialComponent } sweep => await ResolveSweepTrialAsync(backend, name, sweep, trialComponent, pipeline, cancellationToken).ConfigureAwait(false),
                _ => step,
            };
        }
        var checkedPipeline = Copy(pipeline, resolved);
        var problems = new Problems(pipeline.Source);
        PipelineGraph.CollectProblems(checkedPipeline, problems);
        problems.ThrowIfAny();

        // Each step as a command job would be prepared: component and code snapshotted, references and compute checked.
        var steps = new Dictionary<string, JobDefinition>(StringComparer.Ordinal);
        foreach (var (name, step) in resolved)
        {
            if (step is SweepJob sweep)
            {
                steps[name] = await PrepareSweepStepAsync(backend, name, sweep, defaultCompute, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var command = (CommandJob)step;
            if (command.Component is { } component)
            {
                var prepared = await AssetPreparation.PrepareComponentAsync(component, backend.Assets, backend.Datastores, null, cancellationToken).ConfigureAwait(false);
                command = PipelineSteps.With(command, code: prepared.Code, environment: prepared.Environment, component: prepared);
            }
            var forPrepare = PipelineSteps.With(command,
                inputs: command.Inputs.Where(i => Binding.Mentioned(i.Value) is null).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal),
                outputs: command.Outputs.ToDictionary(o => o.Key, o => o.Value.Path is { } p && Binding.Mentions(p) ? o.Value.WithPath(null) : o.Value, StringComparer.Ordinal),
                compute: command.ComputeName ?? defaultCompute ?? LocalComputeBackend.LocalComputeName, keepName: false);
            PreparedJob preparedStep;
            try
            {
                preparedStep = await Commands.PrepareAsync(forPrepare, new JobSubmitContext(backend, $"{context.Name}_{name}", null), cancellationToken).ConfigureAwait(false);
            }
            catch (AzureMlException ex) when (ex is JobDefinitionException or ResourceNotFoundException or AzureMlNotSupportedException)
            {
                throw Rethrow(ex, $"Step '{name}': {ex.Message}");
            }
            var stored = (CommandJob)preparedStep.Definition;
            var inputs = new Dictionary<string, Input>(command.Inputs, StringComparer.Ordinal);
            foreach (var (inputName, input) in stored.Inputs)
            {
                inputs[inputName] = input.IsLiteral ? command.Inputs[inputName] : input; // literals keep their types; data paths as resolved
            }
            steps[name] = PipelineSteps.With(stored, inputs: inputs, outputs: command.Outputs, component: command.Component, keepName: false,
                clearCompute: command.Compute is null, displayName: command.DisplayName, properties: command.Properties, tags: command.Tags);
        }

        var datastore = pipeline.Settings.DefaultDatastore ?? "workspaceblobstore";
        var outputUris = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, output) in pipeline.Outputs)
        {
            outputUris[name] = output.Path is { } path && AssetReference.Parse(path).Kind == AssetReferenceKind.DatastorePath
                ? path.Replace("${{name}}", context.Name, StringComparison.Ordinal).Replace("${{output_name}}", name, StringComparison.Ordinal)
                : $"azureml://datastores/{datastore}/paths/azureml/{context.Name}/{name}/";
        }
        var inputsResolved = pipeline.Inputs.ToDictionary(i => i.Key, i => !i.Value.IsLiteral && i.Value.Reference!.Kind == AssetReferenceKind.LocalPath
            ? i.Value.WithPath(Path.GetFullPath(i.Value.Reference!.Path!)) : i.Value, StringComparer.Ordinal);
        var storedPipeline = new PipelineJob
        {
            Name = context.Name,
            DisplayName = pipeline.DisplayName,
            ExperimentName = pipeline.ExperimentName,
            Description = pipeline.Description,
            Tags = new Dictionary<string, string>(pipeline.Tags, StringComparer.Ordinal),
            Properties = new Dictionary<string, string>(pipeline.Properties, StringComparer.Ordinal),
            Compute = pipeline.Compute,
            Inputs = inputsResolved,
            Outputs = new Dictionary<string, Output>(pipeline.Outputs, StringComparer.Ordinal),
            Jobs = steps,
            Settings = pipeline.Settings,
        };
        var parameters = pipeline.Inputs.Where(i => i.Value.IsLiteral).ToDictionary(i => i.Key, i => i.Value.LiteralText ?? "", StringComparer.Ordinal);
        return new PreparedJob(PipelineJobJson.Read(PipelineJobJson.Write(storedPipeline)), defaultCompute ?? LocalComputeBackend.LocalComputeName,
            pipeline.ExperimentName ?? DefaultExperiment(pipeline), parameters, outputUris);
    }

    private static AzureMlException Rethrow(AzureMlException ex, string message) => ex switch
    {
        JobDefinitionException j => new JobDefinitionException(message, j.FilePath, j.Line, j.Column, j.Key, j),
        ResourceNotFoundException => new ResourceNotFoundException(message, innerException: ex),
        _ => new AzureMlNotSupportedException(message, innerException: ex),
    };

    private static async Task RequireComputeAsync(LocalWorkspaceBackend backend, string compute, CancellationToken cancellationToken)
    {
        if (backend.Computes.SlotsOf(compute, cancellationToken) is null)
        {
            await backend.Computes.GetAsync(compute, cancellationToken).ConfigureAwait(false); // throws, naming the compute and those that exist
        }
    }

    private static async Task<CommandJob> ResolveComponentAsync(LocalWorkspaceBackend backend, string step, PipelineComponentJob reference, PipelineJob pipeline, CancellationToken cancellationToken)
    {
        RefuseRegistryComponent(pipeline, step, reference.Component, "component");
        var parsed = AssetReference.Parse(reference.Component);
        AssetVersion<CommandComponent> found;
        try
        {
            found = await ((IAssetBackend)backend.Assets).GetComponentAsync(parsed.Name!, parsed.Version, parsed.Version is null ? parsed.Label ?? "latest" : null, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new ResourceNotFoundException($"Step '{step}' runs component '{reference.Component}', which does not exist: {ex.Message}", innerException: ex);
        }
        return BindComponent(step, found.Definition, found.Version, reference, pipeline);
    }

    /// <summary>
    /// A registered component's step (<paramref name="reference"/>) as the command job it runs: <paramref name="component"/> (version
    /// <paramref name="version"/>) bound to the step's inputs and outputs (checked as <see cref="CommandComponent.ToJob"/> checks them, problems
    /// at <c>jobs.&lt;step&gt;.…</c>), the step's environment variables added, its compute, names and properties kept. Shared by every backend
    /// that resolves registered components at submit (the Remote backend, the Emulator).
    /// </summary>
    internal static CommandJob BindComponent(string step, CommandComponent component, string version, PipelineComponentJob reference, PipelineJob pipeline)
    {
        component = new CommandComponent(component) { Version = version };
        CommandJob job;
        try
        {
            job = component.ToJob(new Dictionary<string, Input>(reference.Inputs, StringComparer.Ordinal), new Dictionary<string, Output>(reference.Outputs, StringComparer.Ordinal));
        }
        catch (JobDefinitionException ex)
        {
            var problems = new Problems(pipeline.Source, $"jobs.{step}.");
            foreach (var problem in ex.Problems)
            {
                problems.Add(problem.Key ?? "component", problem.Reason);
            }
            problems.ThrowIfAny();
            throw;
        }
        foreach (var (key, value) in reference.EnvironmentVariables)
        {
            job.EnvironmentVariables[key] = value;
        }
        return PipelineSteps.With(job, compute: reference.Compute, displayName: reference.DisplayName ?? job.DisplayName, description: reference.Description,
            tags: reference.Tags, properties: reference.Properties, identity: reference.Identity, services: reference.Services);
    }

    internal static PipelineJob Copy(PipelineJob pipeline, IDictionary<string, JobDefinition> jobs) => new()
    {
        Name = pipeline.Name,
        DisplayName = pipeline.DisplayName,
        ExperimentName = pipeline.ExperimentName,
        Description = pipeline.Description,
        Tags = pipeline.Tags,
        Properties = pipeline.Properties,
        Compute = pipeline.Compute,
        Source = pipeline.Source,
        Inputs = pipeline.Inputs,
        Outputs = pipeline.Outputs,
        Jobs = jobs,
        Settings = pipeline.Settings,
    };

    /// <summary>az ml's default experiment: the folder of the YAML the job came from (when that is a valid name), else <c>Default</c>.</summary>
    private static string DefaultExperiment(PipelineJob job)
    {
        var folder = job.SourcePath is null ? null : Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(job.SourcePath)));
        return folder is not null && System.Text.RegularExpressions.Regex.IsMatch(folder, @"^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$") ? folder : "Default";
    }

    /// <summary>
    /// A step naming a registry component (<c>azureml://registries/&lt;r&gt;/components/&lt;name&gt;/versions/&lt;v&gt;</c>) is refused at submit
    /// (keyed <c>jobs.&lt;step&gt;.&lt;key&gt;</c>, with the YAML line): the local workspace has no registries to read it from, and a workspace
    /// component of the same name is another component. The Emulator refuses it the same way; Azure ML runs it.
    /// </summary>
    private static void RefuseRegistryComponent(PipelineJob pipeline, string step, string reference, string key)
    {
        var parsed = AssetReference.Parse(reference);
        if (parsed.Kind != AssetReferenceKind.RegistryAsset)
        {
            return;
        }
        var problems = new Problems(pipeline.Source, $"jobs.{step}.");
        problems.Add(key, $"step '{step}' runs registry component '{reference}', but the local workspace has no registries (it works offline): register the "
            + $"component in this workspace (ws.Components.CreateOrUpdateAsync, az ml component create) and name it {WorkspaceReference(parsed)}.");
        problems.ThrowIfAny();
    }

    /// <summary>The workspace reference a registry component would have once registered here: <c>azureml:name:version</c> or <c>azureml:name@label</c>.</summary>
    internal static string WorkspaceReference(AssetReference registry) =>
        registry.Version is { } version ? $"azureml:{registry.Name}:{version}" : $"azureml:{registry.Name}@{registry.Label}";

    /// <summary>The registered component <paramref name="reference"/> names (a label pinned to its version).</summary>
    private static async Task<CommandComponent> GetComponentAsync(LocalWorkspaceBackend backend, string step, string reference, CancellationToken cancellationToken)
    {
        var parsed = AssetReference.Parse(reference);
        AssetVersion<CommandComponent> found;
        try
        {
            found = await ((IAssetBackend)backend.Assets).GetComponentAsync(parsed.Name!, parsed.Version, parsed.Version is null ? parsed.Label ?? "latest" : null, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new ResourceNotFoundException($"Step '{step}' runs component '{reference}', which does not exist: {ex.Message}", innerException: ex);
        }
        return new CommandComponent(found.Definition) { Version = found.Version };
    }

    /// <summary>A sweep step whose trial is a registered component: the component looked up and bound as the YAML reader binds a component file.</summary>
    private static async Task<SweepJob> ResolveSweepTrialAsync(LocalWorkspaceBackend backend, string step, SweepJob sweep, string reference, PipelineJob pipeline, CancellationToken cancellationToken)
    {
        RefuseRegistryComponent(pipeline, step, reference, "trial");
        var component = await GetComponentAsync(backend, step, reference, cancellationToken).ConfigureAwait(false);
        return BindSweepTrial(step, component, sweep, pipeline);
    }

    /// <summary>
    /// A sweep step whose trial is a component version (<see cref="SweepJob.TrialComponent"/>) as the sweep it runs: the component bound
    /// to the step's inputs other than the swept ones and to its outputs (checked as <see cref="CommandComponent.ToJob"/> checks them,
    /// problems at <c>jobs.&lt;step&gt;.…</c>), each <c>${{inputs.x}}</c> of a swept input made <c>${{search_space.x}}</c>
    /// (<see cref="SweepSteps.FromTrial"/>). Shared by every backend that resolves trial components (Local, the Remote backend, the Emulator).
    /// </summary>
    internal static SweepJob BindSweepTrial(string step, CommandComponent component, SweepJob sweep, PipelineJob pipeline)
    {
        var swept = sweep.SearchSpace.Keys.ToHashSet(StringComparer.Ordinal);
        CommandJob job;
        try
        {
            job = component.ToTrialJob(sweep.Inputs.Where(i => !swept.Contains(i.Key)).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal),
                new Dictionary<string, Output>(sweep.Outputs, StringComparer.Ordinal), swept);
        }
        catch (JobDefinitionException ex)
        {
            var problems = new Problems(pipeline.Source, $"jobs.{step}.");
            foreach (var problem in ex.Problems)
            {
                problems.Add(problem.Key ?? "trial", problem.Reason);
            }
            problems.ThrowIfAny();
            throw;
        }
        return SweepSteps.FromTrial(job, SweepSteps.With(sweep, null));
    }

    /// <summary>
    /// A sweep step prepared as its sweep job would be: its trial's component prepared (environment, code), the code snapshotted once
    /// (every trial of every run of this step runs the same files), its compute checked, local inputs made absolute.
    /// </summary>
    private static async Task<SweepJob> PrepareSweepStepAsync(LocalWorkspaceBackend backend, string step, SweepJob sweep, string? defaultCompute, CancellationToken cancellationToken)
    {
        var trial = sweep.Trial!;
        try
        {
            if (trial.Component is { } component)
            {
                var prepared = await AssetPreparation.PrepareComponentAsync(component, backend.Assets, backend.Datastores, null, cancellationToken).ConfigureAwait(false);
                trial = PipelineSteps.With(trial, code: prepared.Code, environment: prepared.Environment, component: prepared);
            }
            await RequireComputeAsync(backend, sweep.ComputeName ?? trial.ComputeName ?? defaultCompute ?? LocalComputeBackend.LocalComputeName, cancellationToken).ConfigureAwait(false);
            var code = trial.Code;
            if (code is not null && AssetReference.Parse(code).Kind == AssetReferenceKind.LocalPath)
            {
                var full = Path.GetFullPath(code);
                if (!Directory.Exists(full) && !File.Exists(full))
                {
                    throw new JobDefinitionException($"the trial's code folder '{code}' does not exist.", sweep.SourcePath, key: $"jobs.{step}.trial.code");
                }
                code = (await backend.Assets.CreateCodeAsync(full, null, cancellationToken).ConfigureAwait(false)).Id;
            }
            else if (code is not null && AssetReference.Parse(code).Kind is AssetReferenceKind.Asset or AssetReferenceKind.ArmId)
            {
                code = (await backend.Assets.GetCodeAsync(code, cancellationToken).ConfigureAwait(false)).Id;
            }
            if (code is not null)
            {
                trial = PipelineSteps.With(trial, code: code);
            }
        }
        catch (AzureMlException ex) when (ex is JobDefinitionException or ResourceNotFoundException or AzureMlNotSupportedException)
        {
            throw Rethrow(ex, $"Step '{step}': {ex.Message}");
        }
        var inputs = sweep.Inputs.ToDictionary(i => i.Key, i => !i.Value.IsLiteral && i.Value.Reference!.Kind == AssetReferenceKind.LocalPath
            ? i.Value.WithPath(Path.GetFullPath(i.Value.Reference!.Path!)) : i.Value, StringComparer.Ordinal);
        return SweepSteps.With(sweep, trial, inputs, keepName: false);
    }

    public async Task<JobOutcome> ExecuteAsync(JobExecutionContext context, CancellationToken cancellationToken)
    {
        var pipeline = (PipelineJob)context.Definition;
        var run = new PipelineRun(context, pipeline);
        await context.SetStatusAsync(JobStatus.Running, cancellationToken).ConfigureAwait(false);
        return await run.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One execution of a pipeline: the steps' states and the scheduling loop.</summary>
    private sealed class PipelineRun
    {
        private readonly JobExecutionContext _context;
        private readonly PipelineJob _pipeline;
        private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _dependencies;
        private readonly PipelineStepReuse _reuse;
        private readonly ConcurrentDictionary<string, JobData> _ended = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, string> _children = new(StringComparer.Ordinal);
        private readonly HashSet<string> _skipped = new(StringComparer.Ordinal);

        public PipelineRun(JobExecutionContext context, PipelineJob pipeline)
        {
            _context = context;
            _pipeline = pipeline;
            _dependencies = PipelineGraph.Dependencies(pipeline);
            _reuse = new PipelineStepReuse(context.Backend);
        }

        private void Log(string message) => _context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss.fff}] {message}"));

        public async Task<JobOutcome> RunAsync(CancellationToken cancellationToken)
        {
            var order = PipelineGraph.Order(_pipeline, null);
            Log($"Pipeline {_context.Job.Name}: {order.Count} steps ({string.Join(", ", order.Select(s => _dependencies[s].Count == 0 ? s : $"{s} ← {string.Join(", ", _dependencies[s])}"))}).");
            var running = new Dictionary<Task<JobData?>, string>();
            var failed = new List<string>();
            var stopping = false;
            try
            {
                while (true)
                {
                    if (!stopping)
                    {
                        foreach (var step in order.Where(s => !_ended.ContainsKey(s) && !_skipped.Contains(s) && !running.ContainsValue(s)))
                        {
                            var deps = _dependencies[step];
                            if (deps.Any(d => _skipped.Contains(d) || (_ended.TryGetValue(d, out var e) && e.Status != JobStatus.Completed)))
                            {
                                _skipped.Add(step);
                                Log($"Step '{step}' is not run: a step it depends on ({string.Join(", ", deps.Where(d => _skipped.Contains(d) || _ended.ContainsKey(d) && _ended[d].Status != JobStatus.Completed))}) did not complete.");
                                continue;
                            }
                            if (deps.All(d => _ended.TryGetValue(d, out var e) && e.Status == JobStatus.Completed))
                            {
                                running[RunStepAsync(step, cancellationToken)] = step;
                            }
                        }
                    }
                    if (running.Count == 0)
                    {
                        break;
                    }
                    var done = await Task.WhenAny(running.Keys).ConfigureAwait(false);
                    var name = running[done];
                    running.Remove(done);
                    var result = await done.ConfigureAwait(false);
                    if (result is null)
                    {
                        continue;
                    }
                    _ended[name] = result;
                    if (result.Status != JobStatus.Completed)
                    {
                        failed.Add(name);
                        Log($"Step '{name}' (job {result.Name}) ended {result.Status}{(result.Error is { } error ? $": {error.Message}" : "")}");
                        if (!_pipeline.Settings.ContinueOnStepFailure && !stopping)
                        {
                            stopping = true;
                            Log("continue_on_step_failure is false: canceling the running steps; no further step starts.");
                            foreach (var other in running.Values)
                            {
                                if (_children.TryGetValue(other, out var child))
                                {
                                    await _context.Backend.Jobs.CancelAsync(child, CancellationToken.None).ConfigureAwait(false);
                                }
                            }
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await CancelChildrenAsync().ConfigureAwait(false);
                Log("The pipeline was canceled; its running steps were canceled.");
                return new JobOutcome(JobStatus.Canceled, new JobError("Canceled", "The pipeline was canceled; its running steps were canceled."));
            }

            foreach (var step in order.Where(s => !_ended.ContainsKey(s) && !_skipped.Contains(s)))
            {
                _skipped.Add(step);
                Log($"Step '{step}' is not run: the pipeline stopped at a failed step.");
            }
            await SaveStepJobsAsync().ConfigureAwait(false);
            await CopyPipelineOutputsAsync().ConfigureAwait(false);
            var reused = _ended.Values.Count(j => j.Properties.TryGetValue("azureml.isreused", out var r) && r == "true");
            if (failed.Count == 0)
            {
                Log($"Pipeline completed: {_ended.Count} steps, {reused} reused.");
                return JobOutcome.Completed;
            }
            var message = $"Pipeline has failed child jobs. Failed nodes: {string.Join(", ", failed.Select(f => $"/{f} ({_ended[f].Name}: {_ended[f].Error?.Message ?? _ended[f].Status.ToString()})"))}."
                + (_skipped.Count > 0 ? $" Not run: {string.Join(", ", _skipped.Order(StringComparer.Ordinal))}." : "");
            Log(message);
            return new JobOutcome(JobStatus.Failed, new JobError("PipelineStepFailed", message));
        }

        /// <summary>Submits one step (or reuses an earlier run of it) and waits for its end; null when the pipeline is canceled first.</summary>
        private async Task<JobData?> RunStepAsync(string step, CancellationToken cancellationToken)
        {
            await Task.Yield();
            JobDefinition job;
            string compute;
            string? key = null;
            string? notReused;
            if (_pipeline.Jobs[step] is SweepJob sweep)
            {
                compute = sweep.ComputeName ?? sweep.Trial!.ComputeName ?? _pipeline.Settings.DefaultComputeName ?? _pipeline.ComputeName ?? LocalComputeBackend.LocalComputeName;
                var resolved = ResolveSweep(step, sweep, compute);
                job = resolved;
                notReused = SweepSteps.NotReusableReason(sweep);
                if (notReused is null)
                {
                    key = await _reuse.SweepKeyAsync(resolved, compute, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                var template = (CommandJob)_pipeline.Jobs[step];
                compute = template.ComputeName ?? _pipeline.Settings.DefaultComputeName ?? _pipeline.ComputeName ?? LocalComputeBackend.LocalComputeName;
                var resolved = Resolve(step, template, compute);
                job = resolved;
                notReused = template.Component?.IsDeterministic == false ? "is_deterministic: false" : null;
                if (notReused is null)
                {
                    key = await _reuse.KeyAsync(resolved, compute, cancellationToken).ConfigureAwait(false);
                }
            }
            JobData submitted;
            if (key is not null && !_pipeline.Settings.ForceRerun && _reuse.Find(key, cancellationToken) is { } earlier)
            {
                var original = earlier.Properties.TryGetValue("azureml.reusedrunid", out var first) ? first : earlier.Name;
                var properties = new Dictionary<string, string>(job.Properties, StringComparer.Ordinal)
                {
                    ["azureml.isreused"] = "true",
                    ["azureml.reusedrunid"] = original,
                    ["azureml.reusednodeid"] = earlier.Properties.GetValueOrDefault("azureml.nodeid", step),
                    ["azureml.reusedpipelinerunid"] = earlier.ParentName ?? "",
                };
                // A reused sweep step keeps the earlier sweep's result: its best trial (whose outputs are the step's), score and metric.
                foreach (var result in SweepResultProperties.Where(earlier.Properties.ContainsKey))
                {
                    properties[result] = earlier.Properties[result];
                }
                var reused = job switch
                {
                    SweepJob s => (JobDefinition)SweepSteps.With(s, s.Trial, properties: properties),
                    CommandJob c => PipelineSteps.With(c, properties: properties),
                    _ => throw new InvalidOperationException($"Step '{step}' is a {job.Type} job."),
                };
                submitted = await _context.Backend.Jobs.SubmitAsync(reused, _context.Job.Name, cancellationToken, earlier).ConfigureAwait(false);
                _children[step] = submitted.Name;
                Log($"Step '{step}' reused job {original} (same {(job is SweepJob ? "trial component, code, environment, inputs, search space and sweep settings" : "component, code, environment, inputs and settings")}): job {submitted.Name} completed at once.");
            }
            else
            {
                submitted = await _context.SubmitChildAsync(job, cancellationToken).ConfigureAwait(false);
                _children[step] = submitted.Name;
                Log($"Step '{step}' submitted as {(job is SweepJob ? "sweep " : "")}job {submitted.Name} on compute '{compute}'"
                    + (notReused is not null ? $" (never reused: {notReused})." : _pipeline.Settings.ForceRerun ? " (force_rerun)." : "."));
            }
            await SaveStepJobsAsync().ConfigureAwait(false);
            var ended = await _context.WaitForJobAsync(submitted.Name, cancellationToken).ConfigureAwait(false);
            if (ended.Status == JobStatus.Completed && key is not null && !ended.Properties.ContainsKey("azureml.reusedrunid"))
            {
                _reuse.Record(key, ended.Name, DateTimeOffset.UtcNow, CancellationToken.None);
            }
            if (ended.Status == JobStatus.Completed)
            {
                Log($"Step '{step}' (job {ended.Name}) completed"
                    + (ended.Properties.TryGetValue(JobOperations.SweepBestChildProperty, out var best) && job is SweepJob ? $": best trial {best}, {ended.Properties.GetValueOrDefault("score")}." : "."));
            }
            return ended;
        }

        /// <summary>The properties that carry a sweep's result, copied onto a reused sweep step.</summary>
        private static readonly string[] SweepResultProperties = [JobOperations.SweepBestChildProperty, "score", "primary_metric_config"];

        /// <summary>The step's command job with its bindings resolved, on its compute, named after the step.</summary>
        private CommandJob Resolve(string step, CommandJob template, string compute)
        {
            var inputs = ResolveInputs(template.Inputs, template.Component);
            var outputs = template.Outputs.ToDictionary(o => o.Key, o => o.Value.Path is { } p && Binding.Mentions(p) ? o.Value.WithPath(null) : o.Value, StringComparer.Ordinal);
            return PipelineSteps.With(template, inputs: inputs, outputs: outputs, compute: compute, displayName: step, properties: StepProperties(step, template.Properties), keepName: false);
        }

        /// <summary>The sweep step with its bindings resolved, on its compute, named after the step (its trials run there too).</summary>
        private SweepJob ResolveSweep(string step, SweepJob template, string compute)
        {
            var inputs = ResolveInputs(template.Inputs, template.Trial!.Component);
            var outputs = template.Outputs.ToDictionary(o => o.Key, o => o.Value.Path is { } p && Binding.Mentions(p) ? o.Value.WithPath(null) : o.Value, StringComparer.Ordinal);
            return SweepSteps.With(template, template.Trial, inputs, outputs, compute: compute, properties: StepProperties(step, template.Properties), displayName: step, keepName: false);
        }

        private Dictionary<string, string> StepProperties(string step, IDictionary<string, string> own) => new(own, StringComparer.Ordinal)
        {
            ["azureml.nodeid"] = step,
            ["azureml.pipelinerunid"] = _context.Job.Name,
            ["azureml.isreused"] = "false",
        };

        private Dictionary<string, Input> ResolveInputs(IDictionary<string, Input> given, CommandComponent? component)
        {
            var inputs = new Dictionary<string, Input>(StringComparer.Ordinal);
            foreach (var (name, input) in given)
            {
                var binding = Binding.Of(input);
                inputs[name] = binding switch
                {
                    { Kind: BindingKind.ParentInput } => _pipeline.Inputs[binding.Name],
                    { Kind: BindingKind.StepOutput } => StepOutputInput(component, name, binding),
                    _ => input,
                };
            }
            return inputs;
        }

        /// <summary>
        /// The job whose outputs are a step's: the step's child job, or for a sweep step its best trial (Azure ML's sweep node outputs are
        /// the best trial's).
        /// </summary>
        private (string Name, IReadOnlyDictionary<string, string> OutputUris) OutputsJob(string step)
        {
            var ended = _ended[step];
            return _pipeline.Jobs[step] is SweepJob && ended.Properties.TryGetValue(JobOperations.SweepBestChildProperty, out var best)
                && _context.Backend.Jobs.Store.Find(best, CancellationToken.None) is { } trial
                ? (trial.Name, trial.OutputUris)
                : (ended.Name, ended.OutputUris);
        }

        private Input StepOutputInput(CommandComponent? consumerComponent, string inputName, Binding binding)
        {
            var producer = _pipeline.Jobs[binding.Step!];
            var output = producer switch
            {
                SweepJob sweep => sweep.TrialOutputs[binding.Name],
                _ => ((CommandJob)producer).Outputs[binding.Name],
            };
            var type = output.Type switch
            {
                OutputType.UriFile => InputType.UriFile,
                OutputType.MLTable => InputType.MLTable,
                OutputType.CustomModel => InputType.CustomModel,
                OutputType.MLFlowModel => InputType.MLFlowModel,
                OutputType.TritonModel => InputType.TritonModel,
                _ => InputType.UriFolder,
            };
            var mode = consumerComponent?.Inputs.TryGetValue(inputName, out var declared) == true ? declared.Mode : null;
            return Input.Data(type, $"azureml://jobs/{OutputsJob(binding.Step!).Name}/outputs/{binding.Name}", mode);
        }

        private async Task SaveStepJobsAsync()
        {
            var map = new JsonObject(_children.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value)));
            await _context.SetPropertiesAsync(new Dictionary<string, string>(StringComparer.Ordinal) { [StepJobsProperty] = map.ToJsonString() }, CancellationToken.None).ConfigureAwait(false);
        }

        private async Task CancelChildrenAsync()
        {
            foreach (var child in _children.Values)
            {
                try
                {
                    await _context.Backend.Jobs.CancelAsync(child, CancellationToken.None).ConfigureAwait(false);
                }
                catch (AzureMlException)
                {
                    // gone already
                }
            }
        }

        /// <summary>Copies each step output bound to a pipeline output (<c>${{parent.outputs.x}}</c>) to the pipeline's output location.</summary>
        private async Task CopyPipelineOutputsAsync()
        {
            var backend = _context.Backend;
            foreach (var (step, definition) in _pipeline.Jobs)
            {
                if (!_ended.TryGetValue(step, out var ended) || ended.Status != JobStatus.Completed)
                {
                    continue;
                }
                var child = OutputsJob(step);
                foreach (var (outputName, output) in PipelineGraph.OutputsOf(definition) ?? new Dictionary<string, Output>())
                {
                    if (Binding.Parse(output.Path) is not { Kind: BindingKind.ParentOutput } binding
                        || !_context.Job.OutputUris.TryGetValue(binding.Name, out var target)
                        || !child.OutputUris.TryGetValue(outputName, out var source)
                        || backend.Datastores.TryGetLocalPath(source) is not { } sourcePath)
                    {
                        continue;
                    }
                    try
                    {
                        var destination = AssetReference.Parse(target);
                        await backend.Datastores.UploadAsync(sourcePath, destination.Path!.TrimEnd('/') + "/", destination.Datastore, null, CancellationToken.None).ConfigureAwait(false);
                        Log($"Pipeline output '{binding.Name}' = step '{step}' output '{outputName}' ({target}).");
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or AzureMlException)
                    {
                        Log($"Copying step '{step}' output '{outputName}' to pipeline output '{binding.Name}' failed: {ex.Message}");
                    }
                }
            }
        }
    }
}
