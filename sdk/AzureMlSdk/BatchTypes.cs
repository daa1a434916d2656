namespace AzureMlSdk;

/// <summary>What a batch endpoint should be, for <see cref="Workspace.CreateOrUpdateBatchEndpointAsync(BatchEndpointSpec, IProgress{string}, CancellationToken)"/> (ARM <c>BatchEndpoint</c>).</summary>
public sealed partial class BatchEndpointSpec
{
    /// <summary>Creates a spec for the batch endpoint <paramref name="name"/> (<c>^[a-zA-Z][a-zA-Z0-9-]{2,31}$</c>).</summary>
    public BatchEndpointSpec(string name)
    {
        Name = Validate.EndpointName(name);
    }

    /// <summary>The endpoint name.</summary>
    public string Name { get; }

    /// <summary>Description.</summary>
    public string? Description { get; init; }
}

/// <summary>
/// A batch deployment (ARM <c>BatchDeployment</c>): a model version, its scorer, and how input files are cut and scored:
/// rows go to the scorer <see cref="MiniBatchSize"/> at a time as one <c>{"input_data": {"columns", "data"}}</c> request,
/// <see cref="MaxConcurrency"/> mini-batches at once.
/// </summary>
public sealed class BatchDeploymentSpec
{
    /// <summary>Creates a spec deploying <paramref name="model"/> as <paramref name="name"/>.</summary>
    public BatchDeploymentSpec(string name, Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Name = AzureMlSdk.Validate.DeploymentName(name);
        ModelName = AzureMlSdk.Validate.ModelName(model.Name, nameof(model));
        ModelVersion = AzureMlSdk.Validate.ModelVersion(model.Version, nameof(model));
    }

    /// <summary>Creates a spec deploying version <paramref name="modelVersion"/> of <paramref name="modelName"/> as <paramref name="name"/>.</summary>
    /// <param name="name">Deployment name (<c>^[a-zA-Z][a-zA-Z0-9-]{2,31}$</c>).</param>
    /// <param name="modelName">A registered model's name.</param>
    /// <param name="modelVersion">Its version.</param>
    public BatchDeploymentSpec(string name, string modelName, int modelVersion)
    {
        Name = AzureMlSdk.Validate.DeploymentName(name);
        ModelName = AzureMlSdk.Validate.ModelName(modelName, nameof(modelName));
        ModelVersion = AzureMlSdk.Validate.ModelVersion(modelVersion, nameof(modelVersion));
    }

    /// <summary>The deployment name.</summary>
    public string Name { get; }

    /// <summary>The model name.</summary>
    public string ModelName { get; }

    /// <summary>The model version.</summary>
    public int ModelVersion { get; }

    /// <summary>The scorer; null serves a model with one <c>.onnx</c> file through ONNX Runtime. Its reply must hold <c>predictions</c>, one per row.</summary>
    public Func<IScorer>? Scorer { get; init; }

    /// <summary>Rows per scoring call (ARM <c>miniBatchSize</c>). Default 10.</summary>
    public int MiniBatchSize { get; init; } = 10;

    /// <summary>Mini-batches scored at once (ARM <c>maxConcurrencyPerInstance</c>). Default 2.</summary>
    public int MaxConcurrency { get; init; } = 2;

    /// <summary>Failed rows tolerated before the job fails (ARM <c>errorThreshold</c>); -1 tolerates any number. Failed rows are always reported. Default -1.</summary>
    public int ErrorThreshold { get; init; } = -1;

    /// <summary>Name of the predictions file under the job run's <c>outputs/</c> (ARM <c>outputFileName</c>). Default <c>predictions.jsonl</c>.</summary>
    public string OutputFileName { get; init; } = "predictions.jsonl";

    /// <summary>Description.</summary>
    public string? Description { get; init; }

    /// <summary>
    /// The compute cluster that runs the jobs on Azure ML (a cluster name, or its ARM id), sent as ARM <c>compute</c>.
    /// Azure ML needs one for model deployments; local workspaces score in this process and ignore it.
    /// </summary>
    public string? Compute { get; init; }

    internal void Validate()
    {
        if (MiniBatchSize < 1)
        {
            throw new InvalidInputException($"MiniBatchSize must be at least 1; got {MiniBatchSize}.", nameof(MiniBatchSize));
        }
        if (MaxConcurrency < 1)
        {
            throw new InvalidInputException($"MaxConcurrency must be at least 1; got {MaxConcurrency}.", nameof(MaxConcurrency));
        }
        if (ErrorThreshold < -1)
        {
            throw new InvalidInputException($"ErrorThreshold must be -1 (no limit) or a count of rows; got {ErrorThreshold}.", nameof(ErrorThreshold));
        }
        var file = AzureMlSdk.Validate.ArtifactPath(OutputFileName, nameof(OutputFileName));
        if (file.Contains('/', StringComparison.Ordinal) || file == BatchScoringResult.ErrorsFileName)
        {
            throw new InvalidInputException($"OutputFileName '{OutputFileName}' must be a plain file name other than '{BatchScoringResult.ErrorsFileName}'.", nameof(OutputFileName));
        }
    }
}

/// <summary>
/// Progress of a batch scoring job. A local job reports after each mini-batch; a remote job (Azure ML) reports its
/// <see cref="Status"/> at each change, with zero counts until it has ended (Azure ML does not report mini-batches while it runs).
/// </summary>
/// <param name="MiniBatchesDone">Mini-batches finished.</param>
/// <param name="MiniBatchesTotal">Mini-batches in the job (0 while unknown).</param>
/// <param name="RowsScored">Rows with a prediction so far.</param>
/// <param name="RowsFailed">Rows that failed so far (each is in the errors file).</param>
public sealed record BatchScoringProgress(int MiniBatchesDone, int MiniBatchesTotal, long RowsScored, long RowsFailed)
{
    /// <summary>The job's status as the service reports it (remote jobs); null for local jobs, which report mini-batches instead.</summary>
    public RunStatus? Status { get; init; }
}

/// <summary>
/// The outcome of a batch scoring job: a run in experiment <see cref="ExperimentName"/> whose outputs hold
/// <see cref="PredictionsArtifact"/> (JSON lines <c>{"file", "row", "prediction"}</c>, in input order) and
/// <see cref="ErrorsArtifact"/> (JSON lines <c>{"file", "row", "error"}</c>, one per failed row).
/// </summary>
/// <param name="RunId">The job's run.</param>
/// <param name="ExperimentName">Its experiment (the endpoint's name, as in Azure ML).</param>
/// <param name="Status">Completed, or Failed when the error threshold was passed.</param>
/// <param name="FilesRead">Input files read.</param>
/// <param name="RowsScored">Rows with a prediction.</param>
/// <param name="RowsFailed">Rows without one (each reported in the errors file).</param>
/// <param name="PredictionsArtifact">Run artifact path of the predictions file.</param>
/// <param name="ErrorsArtifact">Run artifact path of the errors file.</param>
public sealed record BatchScoringResult(string RunId, string ExperimentName, RunStatus Status, int FilesRead, long RowsScored, long RowsFailed, string PredictionsArtifact, string ErrorsArtifact)
{
    /// <summary>The errors file's name under <c>outputs/</c>.</summary>
    public const string ErrorsFileName = "errors.jsonl";
}

/// <summary>A batch deployment as the backend knows it (ARM <c>BatchDeployment</c> properties).</summary>
/// <param name="EndpointName">The endpoint.</param>
/// <param name="Name">Deployment name.</param>
/// <param name="ModelName">The model's name.</param>
/// <param name="ModelVersion">The model's version.</param>
/// <param name="MiniBatchSize">Rows per scoring call.</param>
/// <param name="MaxConcurrency">Mini-batches scored at once.</param>
/// <param name="ErrorThreshold">Failed rows tolerated (-1: any number).</param>
/// <param name="OutputFileName">The predictions file's name.</param>
/// <param name="ProvisioningState">Provisioning state.</param>
/// <param name="Description">Description.</param>
/// <param name="Compute">The compute cluster that runs its jobs (Azure ML); null locally.</param>
public sealed record BatchDeploymentData(
    string EndpointName,
    string Name,
    string ModelName,
    int ModelVersion,
    int MiniBatchSize,
    int MaxConcurrency,
    int ErrorThreshold,
    string OutputFileName,
    ProvisioningState ProvisioningState,
    string? Description = null,
    string? Compute = null)
{
    internal static BatchDeploymentData FromSpec(string endpointName, BatchDeploymentSpec spec) =>
        new(endpointName, spec.Name, spec.ModelName, spec.ModelVersion, spec.MiniBatchSize, spec.MaxConcurrency, spec.ErrorThreshold,
            spec.OutputFileName, ProvisioningState.Succeeded, spec.Description, spec.Compute);
}
