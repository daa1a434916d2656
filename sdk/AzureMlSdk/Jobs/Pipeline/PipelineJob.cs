using AzureMlSdk.Jobs.Pipeline;

namespace AzureMlSdk;

/// <summary>
/// A pipeline (<c>type: pipeline</c>, az ml's <c>pipelineJob.schema.json</c>): a graph of steps (<see cref="Jobs"/>), each a
/// command job — inline, or a component turned into a job with <see cref="CommandComponent.ToJob"/>, or a registered component
/// (<see cref="PipelineComponentJob"/>) — wired together by bindings in their inputs and outputs:
/// <c>${{parent.inputs.x}}</c> (the pipeline's input), <c>${{parent.jobs.&lt;step&gt;.outputs.&lt;o&gt;}}</c> (another step's
/// output, which makes this step run after it) and, for a step's output, <c>${{parent.outputs.x}}</c> (the pipeline's output).
/// Steps run as child jobs in dependency order, independent ones at the same time (as many as their computes have slots).
/// A deterministic step whose definition, code, environment, inputs (values and content) and settings equal those of an
/// earlier completed step is reused: it completes at once with that step's outputs (properties <c>azureml.isreused</c>,
/// <c>azureml.reusedrunid</c>), unless <see cref="PipelineSettings.ForceRerun"/> or the component's <c>is_deterministic: false</c>.
/// </summary>
/// <example>
/// <code>
/// var pipeline = new PipelineJob
/// {
///     Inputs = { ["raw"] = Input.UriFolder("data/") },
///     Jobs =
///     {
///         ["prep"]  = prepComponent.ToJob(inputs: new() { ["raw"] = "${{parent.inputs.raw}}" }),
///         ["train"] = trainComponent.ToJob(inputs: new() { ["data"] = "${{parent.jobs.prep.outputs.clean}}" }),
///     },
///     Settings = { DefaultCompute = "local", ContinueOnStepFailure = false, ForceRerun = false },
/// };
/// </code>
/// </example>
public sealed class PipelineJob : JobDefinition
{
    /// <inheritdoc/>
    public override JobType Type => JobType.Pipeline;

    /// <summary>The pipeline's inputs (<c>inputs</c>): literals and data, bound into steps with <c>${{parent.inputs.x}}</c>.</summary>
    public IDictionary<string, Input> Inputs { get; init; } = new Dictionary<string, Input>(StringComparer.Ordinal);

    /// <summary>The pipeline's outputs (<c>outputs</c>): each is a step's output bound to it with <c>${{parent.outputs.x}}</c>.</summary>
    public IDictionary<string, Output> Outputs { get; init; } = new Dictionary<string, Output>(StringComparer.Ordinal);

    /// <summary>
    /// The steps (<c>jobs</c>) by name: <see cref="CommandJob"/>s (inline commands or <see cref="CommandComponent.ToJob"/>) and
    /// <see cref="PipelineComponentJob"/>s (registered components, resolved at submit).
    /// </summary>
    public IDictionary<string, JobDefinition> Jobs { get; init; } = new Dictionary<string, JobDefinition>(StringComparer.Ordinal);

    /// <summary>The pipeline's settings (<c>settings</c>): default compute, continue on step failure, force rerun.</summary>
    public PipelineSettings Settings { get; init; } = new();

    /// <summary>Reads a pipeline job's YAML; a file of another job type is an error saying which type it holds.</summary>
    public static PipelineJob Load(string path, IEnumerable<string>? set = null) => Job.Load(path, set) switch
    {
        PipelineJob job => job,
        var other => throw new JobDefinitionException($"the file holds a {YamlType(other.Type)} job, not a pipeline job.", path, key: "type"),
    };

    /// <summary>
    /// The pipeline as az ml v2 YAML (<c>type: pipeline</c>, <c>pipelineJob.schema.json</c>) that <see cref="Load"/> and <c>az ml job create -f</c>
    /// read back into an equal pipeline: common keys, inputs (literals typed by YAML, data as <c>{type, path, mode}</c>), outputs,
    /// settings, and steps — registered components (<see cref="PipelineComponentJob"/>) and inline command jobs — with their bindings.
    /// </summary>
    /// <exception cref="AzureMlNotSupportedException">
    /// A part the writer does not write is set (a step made with <see cref="CommandComponent.ToJob"/>, whose component YAML can only name
    /// once registered; an inline environment; a step's identity, services, resources or distribution): named, never dropped.
    /// </exception>
    public string ToYaml() => global::AzureMlSdk.Jobs.Yaml.PipelineYamlWriter.Write(this);

    /// <summary>Writes <see cref="ToYaml"/> to <paramref name="path"/> (UTF-8, replacing the file).</summary>
    /// <param name="path">The YAML file to write.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return File.WriteAllTextAsync(path, ToYaml(), new System.Text.UTF8Encoding(false), cancellationToken);
    }

    /// <summary>
    /// The steps each step depends on (those whose outputs its inputs bind with <c>${{parent.jobs.&lt;step&gt;.outputs.&lt;o&gt;}}</c>),
    /// by step name: the pipeline's graph, edges pointing from a step to its prerequisites.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> GetStepDependencies() => PipelineGraph.Dependencies(this);

    /// <summary>The steps in an order that runs every step after the steps it depends on (ties in <see cref="Jobs"/>' order); a cycle is a <see cref="JobDefinitionException"/> naming its steps.</summary>
    public IReadOnlyList<string> GetStepOrder() => PipelineGraph.Order(this, Source);

    internal override void CollectProblems(Problems problems)
    {
        base.CollectProblems(problems);
        PipelineGraph.CollectProblems(this, problems);
    }
}

/// <summary>A pipeline's settings (<c>settings</c> of <c>pipelineJob.schema.json</c>).</summary>
public sealed class PipelineSettings
{
    /// <summary>
    /// The compute of the steps that name none (<c>default_compute</c>; az ml's <c>azureml:cpu-cluster</c> means <c>cpu-cluster</c>).
    /// Null: the pipeline's own <see cref="JobDefinition.Compute"/>, else the workspace's default (<c>local</c> on the local workspace).
    /// </summary>
    public string? DefaultCompute { get; set; }

    /// <summary>The datastore of outputs that name none (<c>default_datastore</c>); null means the workspace's default.</summary>
    public string? DefaultDatastore { get; set; }

    /// <summary>
    /// Keep running the steps that do not depend on a failed step (<c>continue_on_step_failure</c>); false (the default) cancels
    /// the running steps at the first failure. Either way a pipeline with a failed step ends <c>Failed</c>.
    /// </summary>
    public bool ContinueOnStepFailure { get; set; }

    /// <summary>Run every step even when an earlier identical step could be reused (<c>force_rerun</c>).</summary>
    public bool ForceRerun { get; set; }

    /// <summary><see cref="DefaultCompute"/> without az ml's <c>azureml:</c> prefix.</summary>
    public string? DefaultComputeName => DefaultCompute is null ? null
        : DefaultCompute.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) ? DefaultCompute["azureml:".Length..] : DefaultCompute;
}

/// <summary>
/// A pipeline step that runs a registered component (<c>component: azureml:train:10</c> or <c>azureml:train@latest</c>), resolved
/// when the pipeline is submitted: its <see cref="Inputs"/> and <see cref="Outputs"/> are checked against the component's declared
/// ones then, as <see cref="CommandComponent.ToJob"/> checks them. Only valid inside a <see cref="PipelineJob"/>.
/// </summary>
public sealed class PipelineComponentJob : JobDefinition
{
    /// <summary>The step runs as a command job.</summary>
    public override JobType Type => JobType.Command;

    /// <summary>The component: <c>azureml:name:version</c> or <c>azureml:name@label</c> (<c>@latest</c>).</summary>
    public required string Component { get; init; }

    /// <summary>The step's inputs (values or bindings such as <c>${{parent.inputs.x}}</c>).</summary>
    public IDictionary<string, Input> Inputs { get; init; } = new Dictionary<string, Input>(StringComparer.Ordinal);

    /// <summary>The step's outputs (settings, or bindings such as <c>${{parent.outputs.x}}</c>).</summary>
    public IDictionary<string, Output> Outputs { get; init; } = new Dictionary<string, Output>(StringComparer.Ordinal);

    /// <summary>Variables added to the component's (<c>environment_variables</c>).</summary>
    public IDictionary<string, string> EnvironmentVariables { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    internal override void CollectProblems(Problems problems)
    {
        base.CollectProblems(problems);
        var reference = AssetReference.Parse(Component);
        if (reference.Kind is not (AssetReferenceKind.Asset or AssetReferenceKind.ArmId or AssetReferenceKind.RegistryAsset)
            || string.IsNullOrEmpty(reference.Name) || (reference.Version is null && reference.Label is null))
        {
            problems.Add("component", $"component '{Component}' must be a local YAML file, azureml:<name>:<version> or azureml:<name>@latest.");
        }
    }
}
