using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using AzureMlSdk.Backends.Remote.Blob;
using AzureMlSdk.Backends.Remote.History;
using AzureMlSdk.Backends.Remote.Http;
using AzureMlSdk.Backends.Remote.Scoring;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>
/// Batch endpoints on Azure ML, the way azure-ai-ml (<c>BatchEndpointOperations</c>, <c>BatchDeploymentOperations</c>,
/// <c>JobOperations</c>) drives them. The exact wire flow is in <c>Endpoints/README.md</c> ("Remote batch endpoints").
/// <list type="bullet">
/// <item>Endpoints and deployments are ARM <c>batchEndpoints</c> / <c>batchDeployments</c>; create/update/delete are
/// long-running operations polled by <see cref="ArmLongRunningOperation"/>, with each state reported through the caller's progress.
/// The default deployment is the endpoint's <c>defaults.deploymentName</c>, set by PUTting the endpoint back.</item>
/// <item>An invocation uploads the input files to the default datastore (<c>LocalUpload/&lt;guid&gt;/…</c>), POSTs a job to the
/// endpoint's scoring URI with a token for <see cref="WorkspaceOptions.MachineLearningTokenScope"/>, polls the job through ARM
/// until it ends, then copies the <c>score</c> output's predictions (and an <c>errors.jsonl</c> beside them, when the service writes
/// one) into the job run's <c>outputs/</c>, so the result reads like a local one.</item>
/// <item>A failed job that wrote its predictions (it passed its error threshold) is a result with <see cref="RunStatus.Failed"/>, as on a
/// local workspace; one that failed without them raises <see cref="InvalidStateException"/> with the job's error, read from run history
/// (ARM jobs carry none); a job canceled by someone else raises it with code <c>JobCanceled</c>; cancelling the caller's token cancels the job.</item>
/// </list>
/// </summary>
internal sealed partial class RemoteBatchEndpoints(
    IArmBatchEndpointsApi api,
    IArmJobsApi jobs,
    ArmLongRunningOperation lro,
    WorkspaceCoordinates ws,
    string? location,
    DatastoreBlobContainer datastore,
    IArtifactStore artifacts,
    IRunHistoryApi? history,
    WorkspaceOptions options,
    Func<Uri, HttpClient> invocationClient) : IDisposable
{
    /// <summary>Batch endpoints take Microsoft Entra tokens only.</summary>
    internal const string AuthMode = "AADToken";

    /// <summary>The name the SDK gives the job's single input (any name works for model deployments).</summary>
    internal const string InputName = "input";

    /// <summary>The output a model deployment writes its predictions to (azure-ai-ml <c>BATCH_JOB_CHILD_RUN_OUTPUT_NAME</c>).</summary>
    internal const string ScoreOutputName = "score";

    /// <summary>ARM's default <c>outputFileName</c>.</summary>
    internal const string DefaultOutputFileName = "predictions.csv";

    private readonly ConcurrentDictionary<string, (HttpClient Http, IBatchJobsApi Api)> _invocationClients = new(StringComparer.OrdinalIgnoreCase);
    private bool _disposed;

    private ArmJobPoller JobPoller => field ??= new(jobs, ws, options.TimeProvider);

    // ---- endpoints ----

    public async Task<BatchEndpointData> CreateOrUpdateAsync(BatchEndpointSpec spec, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        progress = ArmProgress.Distinct(progress);
        var existing = await TryGetEndpointAsync(spec.Name, cancellationToken).ConfigureAwait(false);
        var body = BuildEndpointBody(existing, spec, location);
        var label = Label(spec.Name);
        progress?.Report($"{label}: {(existing is null ? ProvisioningState.Creating : ProvisioningState.Updating)}");
        await PutEndpointAsync(spec.Name, body, label, progress, cancellationToken).ConfigureAwait(false);
        return await GetAsync(spec.Name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The endpoint PUT body: the existing resource with the spec applied (so what the SDK does not model is kept), or a new one.</summary>
    internal static ArmResource<BatchEndpointProperties> BuildEndpointBody(ArmResource<BatchEndpointProperties>? existing, BatchEndpointSpec spec, string? location)
    {
        var resource = existing ?? new ArmResource<BatchEndpointProperties>
        {
            Location = location ?? throw new InvalidStateException($"Batch endpoint '{spec.Name}' cannot be created: the workspace reports no location (Azure region)."),
        };
        var properties = resource.Properties ?? new BatchEndpointProperties();
        properties.AuthMode ??= AuthMode;
        properties.Description = spec.Description ?? properties.Description;
        resource.Properties = properties;
        ClearReadOnly(resource);
        return resource;
    }

    public async Task<BatchEndpointData> GetAsync(string endpointName, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        var endpoint = await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        var deployments = await ListDeploymentNamesAsync(endpointName, cancellationToken).ConfigureAwait(false);
        return ToData(endpoint, deployments);
    }

    public async Task<IReadOnlyList<BatchEndpointData>> ListAsync(CancellationToken cancellationToken)
    {
        var endpoints = new List<ArmResource<BatchEndpointProperties>>();
        string? skip = null;
        do
        {
            var page = await api.ListAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, skip, cancellationToken).ConfigureAwait(false);
            endpoints.AddRange(page.Value ?? []);
            skip = RemoteModelRegistry.SkipToken(page.NextLink);
        }
        while (skip is not null);
        var result = new List<BatchEndpointData>();
        foreach (var endpoint in endpoints.Where(e => e.Name is not null).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            result.Add(ToData(endpoint, await ListDeploymentNamesAsync(endpoint.Name!, cancellationToken).ConfigureAwait(false)));
        }
        return result;
    }

    public async Task<BatchDeploymentData> GetDeploymentAsync(string endpointName, string deploymentName, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        Validate.DeploymentName(deploymentName, nameof(deploymentName));
        return ToData(endpointName, await api.GetDeploymentAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, deploymentName, cancellationToken).ConfigureAwait(false));
    }

    public async Task<IReadOnlyList<BatchDeploymentData>> ListDeploymentsAsync(string endpointName, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        var deployments = new List<BatchDeploymentData>();
        string? skip = null;
        do
        {
            var page = await api.ListDeploymentsAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, skip, cancellationToken).ConfigureAwait(false);
            deployments.AddRange((page.Value ?? []).Where(d => d.Name is not null).Select(d => ToData(endpointName, d)));
            skip = RemoteModelRegistry.SkipToken(page.NextLink);
        }
        while (skip is not null);
        return [.. deployments.OrderBy(d => d.Name, StringComparer.Ordinal)];
    }

    /// <summary>A deployment resource as the contract's data; the model is read back from its ARM id (<c>…/models/&lt;name&gt;/versions/&lt;n&gt;</c>).</summary>
    internal static BatchDeploymentData ToData(string endpointName, ArmResource<BatchDeploymentProperties> r)
    {
        var p = r.Properties ?? new BatchDeploymentProperties();
        var (modelName, modelVersion) = ParseModelId(p.Model?.AssetId);
        var compute = p.Compute is { Length: > 0 } c && c.LastIndexOf("/computes/", StringComparison.OrdinalIgnoreCase) is var at and >= 0 ? c[(at + "/computes/".Length)..] : p.Compute;
        return new BatchDeploymentData(endpointName, r.Name ?? string.Empty, modelName, modelVersion,
            (int)(p.MiniBatchSize ?? 10), p.MaxConcurrencyPerInstance ?? 1, p.ErrorThreshold ?? -1, p.OutputFileName ?? "predictions.csv",
            RemoteEndpointBackend.ParseState(p.ProvisioningState), p.Description, compute);
    }

    /// <summary>(name, version) of a model version's ARM id (optionally <c>azureml:</c>-prefixed) or <c>azureml:name:version</c>; ("", 0) when it is neither.</summary>
    internal static (string Name, int Version) ParseModelId(string? assetId)
    {
        if (string.IsNullOrEmpty(assetId))
        {
            return (string.Empty, 0);
        }
        var id = assetId.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) ? assetId["azureml:".Length..] : assetId;
        var parts = id.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var models = Array.FindLastIndex(parts, p => string.Equals(p, "models", StringComparison.OrdinalIgnoreCase));
        if (models >= 0 && models + 3 < parts.Length && string.Equals(parts[models + 2], "versions", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(parts[models + 3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version))
        {
            return (parts[models + 1], version);
        }
        var colon = id.Split(':');
        return colon.Length == 2 && int.TryParse(colon[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? (colon[0], v) : (string.Empty, 0);
    }

    public async Task DeleteAsync(string endpointName, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        // ARM answers 204 for a missing resource; read it first so a wrong name is an error, as it is locally.
        await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        var label = Label(endpointName);
        progress?.Report($"{label}: {ProvisioningState.Deleting}");
        var response = await api.DeleteAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        await lro.WaitAsync(response, ArmJsonContext.Default.ArmEmpty, cancellationToken, ArmProgress.Reporter(progress, label)).ConfigureAwait(false);
        progress?.Report($"{label}: deleted");
    }

    // ---- deployments ----

    public async Task<BatchEndpointData> DeployAsync(string endpointName, BatchDeploymentSpec spec, bool makeDefault, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        if (spec.Scorer is not null)
        {
            throw new AzureMlNotSupportedException(
                $"Batch deployment '{endpointName}/{spec.Name}' has a custom .NET scorer (BatchDeploymentSpec.Scorer); it runs in-process on local workspaces only and cannot be sent to Azure ML, " +
                "whose batch deployments run a scoring container. Deploy the model without a scorer (an MLflow model is scored as is), or use Workspace.Local().");
        }
        progress = ArmProgress.Distinct(progress);
        var endpoint = await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        var body = BuildDeploymentBody(ws, spec, endpoint.Location ?? location);
        var label = $"Batch deployment '{endpointName}/{spec.Name}'";
        progress?.Report($"{label}: deploying model {spec.ModelName}:{spec.ModelVersion}");

        var response = await api.CreateOrUpdateDeploymentAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, spec.Name, body, cancellationToken).ConfigureAwait(false);
        await ArmProgress.ReportInitialStateAsync(response, label, progress, cancellationToken).ConfigureAwait(false);
        var final = await lro.WaitAsync(response, ArmJsonContext.Default.ArmResourceBatchDeploymentProperties, cancellationToken, ArmProgress.Reporter(progress, label)).ConfigureAwait(false)
            ?? await api.GetDeploymentAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, spec.Name, cancellationToken).ConfigureAwait(false);
        var state = RemoteEndpointBackend.ParseState(final.Properties?.ProvisioningState);
        progress?.Report($"{label}: {state}");
        if (state is ProvisioningState.Failed or ProvisioningState.Canceled)
        {
            throw new InvalidStateException($"{label} ended {state}; see its provisioning errors in Azure ML studio.");
        }

        var currentDefault = endpoint.Properties?.Defaults?.DeploymentName;
        if ((makeDefault || string.IsNullOrEmpty(currentDefault)) && !string.Equals(currentDefault, spec.Name, StringComparison.OrdinalIgnoreCase))
        {
            // The first deployment (or one asked to be) becomes the default: the endpoint is PUT back with defaults.deploymentName.
            var properties = endpoint.Properties ?? new BatchEndpointProperties { AuthMode = AuthMode };
            properties.Defaults = new BatchEndpointDefaults { DeploymentName = spec.Name };
            endpoint.Properties = properties;
            ClearReadOnly(endpoint);
            await PutEndpointAsync(endpointName, endpoint, Label(endpointName), progress, cancellationToken).ConfigureAwait(false);
        }
        return await GetAsync(endpointName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The deployment PUT body (a separate method so tests validate exactly what is sent against the spec).</summary>
    internal static ArmResource<BatchDeploymentProperties> BuildDeploymentBody(WorkspaceCoordinates ws, BatchDeploymentSpec spec, string? location) => new()
    {
        Location = location,
        Properties = new BatchDeploymentProperties
        {
            Description = spec.Description,
            Model = new ArmAssetReference { ReferenceType = "Id", AssetId = RemoteEndpointBackend.ModelArmId(ws, spec.ModelName, spec.ModelVersion) },
            Compute = ComputeArmId(ws, spec.Compute),
            MiniBatchSize = spec.MiniBatchSize,
            MaxConcurrencyPerInstance = spec.MaxConcurrency,
            ErrorThreshold = spec.ErrorThreshold,
            OutputAction = "AppendRow",
            OutputFileName = spec.OutputFileName,
        },
    };

    /// <summary>A compute cluster's ARM id from its name (an id, or <c>azureml:name</c>, is taken as is / unprefixed); null stays null.</summary>
    internal static string? ComputeArmId(WorkspaceCoordinates ws, string? compute)
    {
        if (string.IsNullOrWhiteSpace(compute))
        {
            return null;
        }
        var name = compute.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) ? compute["azureml:".Length..] : compute;
        return name.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase) ? name : $"{ws.ResourceId}/computes/{name}";
    }

    // ---- invocation ----

    public async Task<BatchScoringResult> InvokeAsync(string endpointName, string? deploymentName, string inputPath, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken)
    {
        Validate.EndpointName(endpointName, nameof(endpointName));
        if (deploymentName is not null)
        {
            Validate.DeploymentName(deploymentName, nameof(deploymentName));
        }
        Validate.Required(inputPath, nameof(inputPath));
        inputPath = BatchInputs.Root(inputPath);
        var files = BatchInputs.InputFiles(inputPath);
        var toSend = BatchInputs.FilesToSend(inputPath);

        var endpoint = await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        var target = deploymentName ?? endpoint.Properties?.Defaults?.DeploymentName
            ?? throw new InvalidStateException($"Batch endpoint '{endpointName}' has no deployment yet; deploy one first.");
        ArmResource<BatchDeploymentProperties> deployment;
        try
        {
            deployment = await api.GetDeploymentAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, target, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new ResourceNotFoundException($"Batch endpoint '{endpointName}' has no deployment '{target}'.", ex.ErrorCode, ex.Status, ex.RequestId, ex);
        }
        var scoringUri = Uri.TryCreate(endpoint.Properties?.ScoringUri, UriKind.Absolute, out var uri) ? uri
            : throw new InvalidStateException($"Batch endpoint '{endpointName}' has no scoring URI yet (provisioning state {endpoint.Properties?.ProvisioningState ?? "unknown"}).");
        var outputFileName = OutputFileNameOf(deployment);

        var ds = await datastore.GetAsync(cancellationToken).ConfigureAwait(false);
        var input = await UploadInputAsync(ds, inputPath, toSend, cancellationToken).ConfigureAwait(false);
        var jobName = await StartJobAsync(scoringUri, deploymentName, input, cancellationToken).ConfigureAwait(false);
        var (job, status) = await WaitForJobAsync(jobName, endpointName, progress, cancellationToken).ConfigureAwait(false);

        // A job that failed but wrote its predictions (past its error threshold, as the Emulator reports it) is a result with
        // Status Failed, as locally; one that failed without them (its model, its input, the service) raises its error.
        (long Scored, long Failed)? outputs;
        try
        {
            outputs = await CollectOutputsAsync(ds, job, jobName, outputFileName, cancellationToken).ConfigureAwait(false);
        }
        catch (AzureMlException) when (status == RunStatus.Failed)
        {
            outputs = null; // the job's own error says more than its unreadable outputs
        }
        if (outputs is not var (scored, failed))
        {
            throw status == RunStatus.Failed
                ? await FailedJobErrorAsync(jobName, endpointName, cancellationToken).ConfigureAwait(false)
                : new InvalidStateException($"Batch job '{jobName}' completed but wrote no predictions file '{outputFileName}' (a deployment with outputAction SummaryOnly writes none).", "OutputNotFound");
        }
        progress?.Report(new BatchScoringProgress(0, 0, scored, failed) { Status = status });
        var experiment = job.Properties?.ExperimentName is { Length: > 0 } e ? e : endpointName;
        return new BatchScoringResult(jobName, experiment, status, files.Count, scored, failed,
            "outputs/" + outputFileName, "outputs/" + BatchScoringResult.ErrorsFileName);
    }

    /// <summary>The job body azure-ai-ml posts for one local folder or file input (see <see cref="IBatchJobsApi"/>).</summary>
    internal static BatchJobResource BuildJobBody(BatchJobInput input) => new()
    {
        Properties = new BatchJobProperties { InputData = new Dictionary<string, BatchJobInput>(StringComparer.Ordinal) { [InputName] = input } },
    };

    /// <summary>
    /// Uploads the input files under <c>LocalUpload/&lt;guid&gt;/</c> of the default datastore, as azure-ai-ml's
    /// <c>_upload_and_generate_remote_uri</c> does (a folder keeps its name and layout): a folder becomes a <c>UriFolder</c>
    /// input (URI ending with '/'), a file a <c>UriFile</c> one. Only the .csv/.jsonl/.parquet files the job reads are sent (and the
    /// <c>MLTable</c> file of an MLTable folder, which the job reads there).
    /// </summary>
    private static async Task<BatchJobInput> UploadInputAsync(ResolvedDatastore ds, string inputPath, List<string> files, CancellationToken cancellationToken)
    {
        var prefix = $"LocalUpload/{Guid.NewGuid():N}/";
        var isFile = File.Exists(inputPath);
        var root = isFile ? prefix : prefix + FolderName(inputPath) + "/";
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (file, ct) =>
        {
            var blobName = root + (isFile ? Path.GetFileName(file) : Path.GetRelativePath(inputPath, file).Replace('\\', '/'));
            await using var content = File.OpenRead(file);
            try
            {
                await BlobTransfer.UploadAsync(ds.Container.GetBlobClient(blobName), content, null, 0, sha256: false, ct).ConfigureAwait(false);
            }
            catch (RequestFailedException ex)
            {
                throw DatastoreBlobContainer.Map(ex, $"batch input '{blobName}'");
            }
        }).ConfigureAwait(false);
        var path = isFile ? root + Path.GetFileName(files[0]) : root;
        return new BatchJobInput { JobInputType = isFile ? "UriFile" : BatchInputs.IsMLTable(inputPath) ? "MLTable" : "UriFolder", Uri = $"azureml://datastores/{ds.Name}/paths/{path}" };
    }

    private static string FolderName(string folder)
    {
        var name = new DirectoryInfo(folder).Name;
        return name.Length == 0 || name.IndexOfAny(['/', '\\', ':']) >= 0 ? "input" : name;
    }

    /// <summary>POSTs the job to the scoring URI and returns its name (the ARM job id and run id).</summary>
    private async Task<string> StartJobAsync(Uri scoringUri, string? deploymentName, BatchJobInput input, CancellationToken cancellationToken)
    {
        var client = InvocationClientFor(scoringUri);
        using var response = await client.CreateJobAsync(scoringUri.AbsolutePath.TrimStart('/'), BuildJobBody(input), deploymentName, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await RemoteErrors.FromResponseAsync(response, cancellationToken).ConfigureAwait(false);
        }
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        BatchJobResource? job = null;
        try
        {
            job = bytes.Length == 0 ? null : JsonSerializer.Deserialize(bytes, BatchJobJsonContext.Default.BatchJobResource);
        }
        catch (JsonException)
        {
            // Reported below.
        }
        return job?.Name is { Length: > 0 } name ? name
            : throw new AzureMlException($"The batch endpoint at {scoringUri.Host} answered {(int)response.StatusCode} without a job name.", AzureMlErrorCodes.InternalError, 502, RemoteErrors.RequestId(response));
    }

    private IBatchJobsApi InvocationClientFor(Uri scoringUri)
    {
        var key = scoringUri.GetLeftPart(UriPartial.Authority);
        if (_invocationClients.TryGetValue(key, out var existing))
        {
            return existing.Api;
        }
        // Its own client: the ml.azure.com token goes to the endpoint only, and the ARM token never does.
        var http = invocationClient(scoringUri);
        var entry = (http, RemoteHttp.For<IBatchJobsApi>(http, BatchJobJsonContext.Default));
        if (!_invocationClients.TryAdd(key, entry))
        {
            http.Dispose();
        }
        return _invocationClients[key].Api;
    }

    /// <summary>
    /// Polls the job through ARM until it ends (<see cref="ArmJobPoller"/>), reporting each status; returns it when it completed or
    /// failed, raises when it was canceled; a cancelled wait cancels the job (best effort) before it rethrows.
    /// </summary>
    private async Task<(ArmResource<JobProperties> Job, RunStatus Status)> WaitForJobAsync(string jobName, string endpointName, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken)
    {
        var (job, status) = await JobPoller.WaitAsync(jobName, s => progress?.Report(new BatchScoringProgress(0, 0, 0, 0) { Status = s }), cancellationToken).ConfigureAwait(false);
        return status == RunStatus.Canceled
            ? throw new InvalidStateException($"Batch job '{jobName}' of endpoint '{endpointName}' was canceled.", "JobCanceled")
            : (job, status);
    }

    /// <summary>
    /// The error of a job that failed without outputs, from run history: an <see cref="InvalidInputException"/> when it is a user
    /// error about something named (its <c>target</c>, e.g. a column the model needs), else an <see cref="InvalidStateException"/>.
    /// </summary>
    private async Task<AzureMlException> FailedJobErrorAsync(string jobName, string endpointName, CancellationToken cancellationToken)
    {
        string? code = null, message = null, target = null;
        if (history is not null)
        {
            try
            {
                var details = await history.GetDetailsAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, jobName, cancellationToken).ConfigureAwait(false);
                (code, message) = details.ReadError();
                target = details.ReadErrorTarget();
            }
            catch (AzureMlException)
            {
                // The failure stands without its details.
            }
        }
        var text = $"Batch job '{jobName}' of endpoint '{endpointName}' failed: {message ?? "the service reported no error message; see the job's logs in Azure ML studio."}";
        return code == "UserError" && !string.IsNullOrEmpty(target)
            ? new InvalidInputException(text, target, code)
            : new InvalidStateException(text, string.IsNullOrEmpty(code) ? "JobFailed" : code);
    }

    /// <summary>Azure ML job statuses (ARM <c>JobStatus</c>) as run statuses (<see cref="ArmJobPoller.ParseStatus"/>).</summary>
    internal static RunStatus ParseJobStatus(string? status) => ArmJobPoller.ParseStatus(status);

    // ---- outputs ----

    /// <summary>
    /// Copies the predictions file (and <c>errors.jsonl</c> beside it, or an empty one) from the job's <c>score</c> output into the
    /// job run's <c>outputs/</c>; returns (rows scored = non-empty prediction lines, rows failed = error lines), or null when the job
    /// wrote no predictions file.
    /// </summary>
    private async Task<(long Scored, long Failed)?> CollectOutputsAsync(ResolvedDatastore ds, ArmResource<JobProperties> job, string jobName, string outputFileName, CancellationToken cancellationToken)
    {
        var (outputUri, isFile) = ScoreOutputOf(job) ?? ($"azureml://datastores/{ds.Name}/paths/azureml/{jobName}/{ScoreOutputName}/", false);
        var (datastoreName, path) = ParseDatastoreUri(outputUri)
            ?? throw new AzureMlNotSupportedException($"Batch job '{jobName}' wrote its output to '{outputUri}', which is not an azureml://…/datastores/<name>/paths/<path> URI; download it yourself.");
        if (!string.Equals(datastoreName, ds.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new AzureMlNotSupportedException($"Batch job '{jobName}' wrote its output to datastore '{datastoreName}'; the SDK reads only the default datastore '{ds.Name}'.");
        }
        var predictionsBlob = isFile ? path : path.TrimEnd('/') + "/" + outputFileName;
        var errorsBlob = predictionsBlob[..(predictionsBlob.LastIndexOf('/') + 1)] + BatchScoringResult.ErrorsFileName;

        if (await CopyToRunAsync(ds, predictionsBlob, jobName, "outputs/" + outputFileName, cancellationToken).ConfigureAwait(false) is not { } scored)
        {
            return null;
        }
        var failed = await CopyToRunAsync(ds, errorsBlob, jobName, "outputs/" + BatchScoringResult.ErrorsFileName, cancellationToken).ConfigureAwait(false);
        if (failed is null)
        {
            // Azure ML reports failed mini-batches in the job's logs, not as a file: the errors artifact says none were reported.
            using var empty = new MemoryStream();
            await artifacts.UploadAsync(jobName, "outputs/" + BatchScoringResult.ErrorsFileName, empty, null, cancellationToken).ConfigureAwait(false);
        }
        return (scored, failed ?? 0);
    }

    /// <summary>Copies one datastore blob into a run artifact through a temporary file; returns its non-empty line count, or null when the blob does not exist.</summary>
    private async Task<long?> CopyToRunAsync(ResolvedDatastore ds, string blobName, string runId, string artifactPath, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"azureml-batch-{Guid.NewGuid():N}.tmp");
        try
        {
            try
            {
                var download = await ds.Container.GetBlobClient(blobName).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                await using var source = download.Value.Content;
                await using var file = File.Create(temp);
                await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return null;
            }
            catch (RequestFailedException ex)
            {
                throw DatastoreBlobContainer.Map(ex, $"batch output '{blobName}'");
            }
            long lines = 0;
            using (var reader = new StreamReader(temp))
            {
                while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                {
                    if (!string.IsNullOrWhiteSpace(line))
                    {
                        lines++;
                    }
                }
            }
            await using (var content = File.OpenRead(temp))
            {
                await artifacts.UploadAsync(runId, artifactPath, content, null, cancellationToken).ConfigureAwait(false);
            }
            return lines;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The job's <c>score</c> output (<c>properties.outputs.score</c>: uri and whether it is a file), when ARM reports it.</summary>
    internal static (string Uri, bool IsFile)? ScoreOutputOf(ArmResource<JobProperties> job)
    {
        if (job.Properties?.Extra is not { } extra || !extra.TryGetValue("outputs", out var outputs) || outputs.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var output in outputs.EnumerateObject())
        {
            if (string.Equals(output.Name, ScoreOutputName, StringComparison.OrdinalIgnoreCase) && output.Value.ValueKind == JsonValueKind.Object
                && output.Value.TryGetProperty("uri", out var u) && u.ValueKind == JsonValueKind.String && u.GetString() is { Length: > 0 } value)
            {
                var type = output.Value.TryGetProperty("jobOutputType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                var isFile = string.Equals(type, "uri_file", StringComparison.OrdinalIgnoreCase) || string.Equals(type, "UriFile", StringComparison.OrdinalIgnoreCase);
                return (value, isFile);
            }
        }
        return null;
    }

    [GeneratedRegex(@"^azureml://(?:subscriptions/[^/]+/resource[gG]roups/[^/]+/(?:providers/Microsoft\.MachineLearningServices/)?workspaces/[^/]+/)?datastores/(?<ds>[^/]+)/paths/(?<path>.+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DatastoreUriPattern();

    /// <summary>(datastore, path) of <c>azureml://datastores/&lt;ds&gt;/paths/&lt;path&gt;</c> or its long form; null for anything else.</summary>
    internal static (string Datastore, string Path)? ParseDatastoreUri(string uri)
    {
        var m = DatastoreUriPattern().Match(uri);
        return m.Success ? (m.Groups["ds"].Value, Uri.UnescapeDataString(m.Groups["path"].Value)) : null;
    }

    private static string OutputFileNameOf(ArmResource<BatchDeploymentProperties> deployment)
    {
        var name = deployment.Properties?.OutputFileName;
        return string.IsNullOrWhiteSpace(name) || name.IndexOfAny(['/', '\\']) >= 0 || name is "." or ".." ? DefaultOutputFileName : name;
    }

    // ---- helpers ----

    private static string Label(string endpointName) => $"Batch endpoint '{endpointName}'";

    private async Task PutEndpointAsync(string endpointName, ArmResource<BatchEndpointProperties> body, string label, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var response = await api.CreateOrUpdateAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, body, cancellationToken).ConfigureAwait(false);
        await ArmProgress.ReportInitialStateAsync(response, label, progress, cancellationToken).ConfigureAwait(false);
        var final = await lro.WaitAsync(response, ArmJsonContext.Default.ArmResourceBatchEndpointProperties, cancellationToken, ArmProgress.Reporter(progress, label)).ConfigureAwait(false)
            ?? await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, cancellationToken).ConfigureAwait(false);
        var state = RemoteEndpointBackend.ParseState(final.Properties?.ProvisioningState);
        progress?.Report($"{label}: {state}");
        if (state is ProvisioningState.Failed or ProvisioningState.Canceled)
        {
            throw new InvalidStateException($"{label} ended {state}.");
        }
    }

    private async Task<ArmResource<BatchEndpointProperties>?> TryGetEndpointAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await api.GetAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, name, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private async Task<List<string>> ListDeploymentNamesAsync(string endpointName, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        string? skip = null;
        do
        {
            var page = await api.ListDeploymentsAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, endpointName, skip, cancellationToken).ConfigureAwait(false);
            names.AddRange((page.Value ?? []).Select(d => d.Name).OfType<string>());
            skip = RemoteModelRegistry.SkipToken(page.NextLink);
        }
        while (skip is not null);
        return [.. names.Order(StringComparer.Ordinal)];
    }

    internal static BatchEndpointData ToData(ArmResource<BatchEndpointProperties> r, IReadOnlyList<string> deployments) =>
        new(r.Name ?? string.Empty, r.Properties?.Description, r.Properties?.Defaults?.DeploymentName is { Length: > 0 } d ? d : null, deployments);

    private static void ClearReadOnly(ArmResource<BatchEndpointProperties> r)
    {
        r.Id = null;
        r.Type = null;
        r.SystemData = null;
        if (r.Properties is { } p)
        {
            p.ScoringUri = null;
            p.SwaggerUri = null;
            p.ProvisioningState = null;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var (http, _) in _invocationClients.Values)
        {
            http.Dispose();
        }
        _invocationClients.Clear();
    }
}
